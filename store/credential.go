package store

import (
	"context"
	"time"
)

// CredentialKind says what a credential opens.
type CredentialKind string

// Credential kinds (the officers' console, issue 11).
const (
	// CredentialLogin is a one-time sign-in link sent in LINE: 10 minutes, used once.
	CredentialLogin CredentialKind = "login"
	// CredentialSession is a signed-in browser: it ends after an idle period or at sign-out.
	CredentialSession CredentialKind = "session"
	// CredentialAPI is an officer's API token: until revoked or ExpiresAt.
	CredentialAPI CredentialKind = "api"
)

// Credential is a secret that stands for an officer: a sign-in link, a browser session or an
// API token. Only a keyed hash of the secret is kept (Sealer.Hash); the secret itself is shown
// once, to its holder.
type Credential struct {
	Hash      string // Sealer.Hash of the secret; unique
	Kind      CredentialKind
	UserID    string // the officer's LINE user ID
	Label     string // an API token's name as the officer gave it; empty otherwise
	CreatedAt time.Time
	ExpiresAt time.Time // works before this instant only; a session's moves on with each use
}

// CredentialStore keeps officers' credentials.
type CredentialStore interface {
	// CreateCredential stores c. ErrConflict if the hash is already stored.
	CreateCredential(ctx context.Context, c Credential) error
	// GetCredential returns the credential of hash of kind that has not expired at now;
	// ErrNotFound otherwise.
	GetCredential(ctx context.Context, hash string, kind CredentialKind, now time.Time) (Credential, error)
	// UseCredential removes the credential of hash of kind that has not expired at now and
	// returns it: it works once, also when two requests race. ErrNotFound otherwise.
	UseCredential(ctx context.Context, hash string, kind CredentialKind, now time.Time) (Credential, error)
	// ExtendCredential moves the expiry of the credential of hash to expiresAt (a session's
	// idle timeout starting again). ErrNotFound if there is none.
	ExtendCredential(ctx context.Context, hash string, expiresAt time.Time) error
	// ListCredentials returns the user's credentials of kind, oldest first.
	ListCredentials(ctx context.Context, userID string, kind CredentialKind) ([]Credential, error)
	// DeleteCredential removes the credential of hash if it belongs to userID; removing one
	// that does not exist is not an error.
	DeleteCredential(ctx context.Context, hash, userID string) error
	// DeleteCredentialsOf removes every credential of the user (an officer revoked) and
	// returns how many it removed.
	DeleteCredentialsOf(ctx context.Context, userID string) (int, error)
	// DeleteCredentialsExpiredBefore removes credentials that expired before t and returns how
	// many it removed.
	DeleteCredentialsExpiredBefore(ctx context.Context, t time.Time) (int, error)
}
