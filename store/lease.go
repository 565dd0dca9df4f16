package store

import (
	"context"
	"time"
)

// LeaseStore hands out named leases, so that of several replicas one at a time does a job
// (the rich menu sync). A lease is held by one holder until it expires or is released; after
// it expired anyone may take it over (the holder crashed).
type LeaseStore interface {
	// AcquireLease gives lease name to holder until now+ttl when nobody holds it, its last
	// holder's time ran out, or holder holds it already (a renewal). ErrConflict when another
	// holder's lease is still running at now.
	AcquireLease(ctx context.Context, name, holder string, now time.Time, ttl time.Duration) error
	// ReleaseLease ends holder's lease on name. Releasing a lease someone else holds now, or
	// one nobody holds, changes nothing and is not an error.
	ReleaseLease(ctx context.Context, name, holder string) error
}
