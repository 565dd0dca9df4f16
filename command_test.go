package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ssonet/ssonet/line/linetest"
)

func TestRichMenuPreviewCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "menus")
	var out bytes.Buffer
	if err := command(context.Background(), []string{"richmenu", "preview", dir}, env(nil), &out); err != nil {
		t.Fatal(err)
	}
	pngs, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	jsons, _ := filepath.Glob(filepath.Join(dir, "*.json"))
	if len(pngs) < 4 || len(pngs) != len(jsons) || strings.Count(out.String(), "\n") != len(pngs) {
		t.Fatalf("wrote %v and %v, said:\n%s", pngs, jsons, out.String())
	}
	for _, p := range pngs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if cfg, err := png.DecodeConfig(bytes.NewReader(b)); err != nil || cfg.Width != 2500 {
			t.Errorf("%s: %+v %v", p, cfg, err)
		}
	}
}

func TestRichMenuSyncCommand(t *testing.T) {
	standIn := linetest.NewServer(testToken)
	defer standIn.Close()
	vars := productionEnv(t, standIn, nil)
	var out bytes.Buffer
	if err := command(context.Background(), []string{"richmenu", "sync"}, env(vars), &out); err != nil {
		t.Fatalf("sync: %v\n%s", err, out.String())
	}
	menus := standIn.RichMenus()
	if len(menus) < 4 || standIn.DefaultRichMenu() != menus[0].ID || menus[0].Image == nil {
		t.Fatalf("after sync: %d menus, default %q", len(menus), standIn.DefaultRichMenu())
	}
	// Again: nothing new.
	if err := command(context.Background(), []string{"richmenu", "sync"}, env(vars), &out); err != nil {
		t.Fatal(err)
	}
	if len(standIn.RichMenus()) != len(menus) {
		t.Errorf("a second sync made %d menus, had %d", len(standIn.RichMenus()), len(menus))
	}
	for _, c := range standIn.Calls() {
		if c.Endpoint == "" || c.Status >= 400 && c.Method != "GET" {
			t.Errorf("%s %s answered %d", c.Method, c.Path, c.Status)
		}
	}
}

func TestCommandErrors(t *testing.T) {
	ctx := context.Background()
	for _, args := range [][]string{{"richmenu"}, {"richmenu", "push"}, {"serve", "now"}} {
		if err := command(ctx, args, env(nil), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "usage:") {
			t.Errorf("%v: %v, want the usage", args, err)
		}
	}
	if err := command(ctx, []string{"richmenu", "sync"}, env(map[string]string{"DATA_DIR": t.TempDir()}), &bytes.Buffer{}); err == nil || !strings.Contains(err.Error(), "no LINE channel") {
		t.Errorf("sync in simulator mode: %v", err)
	}
}
