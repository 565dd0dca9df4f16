package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/ssonet/ssonet/line"
	"github.com/ssonet/ssonet/richmenu"
	"github.com/ssonet/ssonet/store"
)

// usage lists the subcommands.
const usage = `usage:
  ssonet                         serve (configuration from the environment, see README.md)
  ssonet richmenu sync           create, upload and link the rich menus on LINE now, in the foreground
  ssonet richmenu preview DIR    write every rich menu's PNG and object (JSON) into DIR`

// command runs a subcommand of the binary: "richmenu sync" or "richmenu preview DIR".
func command(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	switch {
	case len(args) == 2 && args[0] == "richmenu" && args[1] == "sync":
		return richMenuSync(ctx, getenv, stdout)
	case len(args) == 3 && args[0] == "richmenu" && args[1] == "preview":
		return richMenuPreview(args[2], stdout)
	}
	return errors.New(usage)
}

// richMenuSync is `ssonet richmenu sync`: one Sync against the configured channel and store.
func richMenuSync(ctx context.Context, getenv func(string) string, stdout io.Writer) (err error) {
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	if cfg.Simulator {
		return errors.New("richmenu sync: no LINE channel configured (set LINE_CHANNEL_SECRET and LINE_CHANNEL_ACCESS_TOKEN); the simulator syncs its own menus at start")
	}
	log := newLogger(cfg, stdout)
	sealer, err := store.NewSealer(cfg.EncryptionKey)
	if err != nil {
		return err
	}
	st, err := openStore(ctx, cfg, sealer)
	if err != nil {
		return err
	}
	defer func() { err = errors.Join(err, st.Close(context.WithoutCancel(ctx))) }()
	client, err := line.New(line.Config{BaseURL: cfg.APIBaseURL, DataBaseURL: cfg.DataAPIBaseURL, AccessToken: cfg.AccessToken, Logger: log})
	if err != nil {
		return err
	}
	menus, err := richmenu.New(richmenu.Config{Store: st, LINE: client, Admins: cfg.AdminUserIDs, Logger: log, Now: cfg.Now})
	if err != nil {
		return err
	}
	if err := menus.Sync(ctx); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "rich menus are in sync")
	return nil
}

// richMenuPreview is `ssonet richmenu preview DIR`: <key>.png and <key>.json for each menu.
func richMenuPreview(dir string, stdout io.Writer) error {
	all, err := richmenu.Build()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, b := range all {
		obj, err := json.MarshalIndent(b.Request, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, b.Key+".png"), b.PNG, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, b.Key+".json"), obj, 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "%s\t%s\t%d bytes\n", filepath.Join(dir, b.Key+".png"), b.Name, len(b.PNG))
	}
	return nil
}

// relinker is the engine's RoleChanged: the member's menu follows their new standing. A
// failure is logged; before the first sync the member is relinked when it succeeds.
func relinker(menus *richmenu.Menus, log *slog.Logger) func(ctx context.Context, userID string) {
	return func(ctx context.Context, userID string) {
		if err := menus.Relink(ctx, userID); err != nil && !errors.Is(err, richmenu.ErrNotSynced) {
			log.Warn("rich menu relink failed", "err", err)
		}
	}
}
