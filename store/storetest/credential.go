package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/ssonet/ssonet/store"
)

func testCredentials(t *testing.T, open Opener) {
	ctx := context.Background()
	cred := func(hash string, kind store.CredentialKind, user string, ttl time.Duration) store.Credential {
		return store.Credential{Hash: hash, Kind: kind, UserID: user, Label: "l-" + hash, CreatedAt: t0.UTC(), ExpiresAt: t0.Add(ttl).UTC()}
	}

	t.Run("UseOnce", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		c := cred("h-login", store.CredentialLogin, "U-o", 10*time.Minute)
		wantErr(t, "CreateCredential", st.CreateCredential(ctx, c), nil)
		wantErr(t, "CreateCredential again", st.CreateCredential(ctx, c), store.ErrConflict)
		_, err := st.UseCredential(ctx, "h-login", store.CredentialSession, t0)
		wantErr(t, "UseCredential of another kind", err, store.ErrNotFound)
		errs := race(4, func(int) error {
			got, err := st.UseCredential(ctx, "h-login", store.CredentialLogin, t0.Add(time.Minute))
			if err == nil {
				diff(t, "used credential", c, got)
			}
			return err
		})
		wins := 0
		for _, err := range errs {
			if err == nil {
				wins++
			} else {
				wantErr(t, "UseCredential lost race", err, store.ErrNotFound)
			}
		}
		if wins != 1 {
			t.Errorf("%d of 4 racing uses succeeded, want 1", wins)
		}
		_, err = st.GetCredential(ctx, "h-login", store.CredentialLogin, t0)
		wantErr(t, "GetCredential after use", err, store.ErrNotFound)
	})

	t.Run("Expiry", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		wantErr(t, "CreateCredential", st.CreateCredential(ctx, cred("h-s", store.CredentialSession, "U-o", time.Hour)), nil)
		wantErr(t, "CreateCredential", st.CreateCredential(ctx, cred("h-l", store.CredentialLogin, "U-o", time.Minute)), nil)
		_, err := st.GetCredential(ctx, "h-s", store.CredentialSession, t0.Add(time.Hour))
		wantErr(t, "GetCredential at expiry", err, store.ErrNotFound)
		_, err = st.UseCredential(ctx, "h-l", store.CredentialLogin, t0.Add(time.Minute))
		wantErr(t, "UseCredential at expiry", err, store.ErrNotFound)
		wantErr(t, "ExtendCredential", st.ExtendCredential(ctx, "h-s", t0.Add(3*time.Hour).UTC()), nil)
		wantErr(t, "ExtendCredential unknown", st.ExtendCredential(ctx, "h-none", t0), store.ErrNotFound)
		got, err := st.GetCredential(ctx, "h-s", store.CredentialSession, t0.Add(2*time.Hour))
		wantErr(t, "GetCredential after extend", err, nil)
		want := cred("h-s", store.CredentialSession, "U-o", 3*time.Hour)
		diff(t, "extended session", want, got)
		n, err := st.DeleteCredentialsExpiredBefore(ctx, t0.Add(2*time.Hour))
		wantErr(t, "DeleteCredentialsExpiredBefore", err, nil)
		if n != 1 {
			t.Errorf("DeleteCredentialsExpiredBefore removed %d, want 1 (the login)", n)
		}
	})

	t.Run("ListAndRevoke", func(t *testing.T) {
		t.Parallel()
		st := open(t)
		a := cred("h-a", store.CredentialAPI, "U-o", 24*time.Hour)
		b := cred("h-b", store.CredentialAPI, "U-o", 24*time.Hour)
		b.CreatedAt = b.CreatedAt.Add(time.Second)
		for _, c := range []store.Credential{b, a, cred("h-s", store.CredentialSession, "U-o", time.Hour), cred("h-x", store.CredentialAPI, "U-other", time.Hour)} {
			wantErr(t, "CreateCredential", st.CreateCredential(ctx, c), nil)
		}
		got, err := st.ListCredentials(ctx, "U-o", store.CredentialAPI)
		wantErr(t, "ListCredentials", err, nil)
		diff(t, "API tokens, oldest first", struct{ C []store.Credential }{[]store.Credential{a, b}}, struct{ C []store.Credential }{got})
		wantErr(t, "DeleteCredential of another user", st.DeleteCredential(ctx, "h-x", "U-o"), nil)
		if _, err := st.GetCredential(ctx, "h-x", store.CredentialAPI, t0); err != nil {
			t.Errorf("another user's token was deleted: %v", err)
		}
		wantErr(t, "DeleteCredential", st.DeleteCredential(ctx, "h-a", "U-o"), nil)
		n, err := st.DeleteCredentialsOf(ctx, "U-o")
		wantErr(t, "DeleteCredentialsOf", err, nil)
		if n != 2 {
			t.Errorf("DeleteCredentialsOf removed %d, want 2", n)
		}
		if got, _ := st.ListCredentials(ctx, "U-o", store.CredentialSession); len(got) != 0 {
			t.Errorf("sessions after revoke = %v", got)
		}
	})
}
