package ferrettest

import "testing"

func TestWithDatabase(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"mongodb://127.0.0.1:27017/", "mongodb://127.0.0.1:27017/t1"},
		{"mongodb://127.0.0.1:27017", "mongodb://127.0.0.1:27017/t1"},
		{"mongodb://h1,h2/app?replicaSet=rs", "mongodb://h1,h2/t1?replicaSet=rs"},
		{"mongodb://u:p@h1,h2/app?replicaSet=rs", "mongodb://u:p@h1,h2/t1?replicaSet=rs&authSource=app"},
		{"mongodb+srv://u:p@cluster.example/", "mongodb+srv://u:p@cluster.example/t1?authSource=admin"},
		{"mongodb://u:p@h/?authsource=ops", "mongodb://u:p@h/t1?authsource=ops"},
	} {
		got, err := withDatabase(c.in, "t1")
		if err != nil || got != c.want {
			t.Errorf("withDatabase(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	if _, err := withDatabase("localhost:27017", "t1"); err == nil {
		t.Error("withDatabase accepted a URI without a scheme")
	}
}

func TestURI(t *testing.T) {
	a, b := URI(t), URI(t)
	if a == b {
		t.Errorf("two calls gave the same URI %q", a)
	}
}
