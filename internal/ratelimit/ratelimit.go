// Package ratelimit limits how often each client (by key, usually the
// address) may do something, such as looking up a dossier by its code.
//
// The limits live in memory, per server copy: a lookup must stay a read,
// and N copies behind a balancer give a client at most N times the rate,
// which is what this guards against (guessing codes), not exact quotas.
// Sign-in throttling, which must be exact, is kept in the database by the
// identity package instead.
package ratelimit

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// Keyed is a set of token buckets, one per key, forgotten after idle.
type Keyed struct {
	mu      sync.Mutex
	limit   rate.Limit
	burst   int
	idle    time.Duration
	buckets map[string]*bucket
	now     func() time.Time
	swept   time.Time
}

type bucket struct {
	l    *rate.Limiter
	seen time.Time
}

// New allows each key per events per interval, in bursts of burst.
func New(per int, interval time.Duration, burst int) *Keyed {
	return &Keyed{limit: rate.Every(interval / time.Duration(per)), burst: burst, idle: 10 * interval,
		buckets: map[string]*bucket{}, now: time.Now}
}

// Allow reports whether key may act now, and counts it if so.
func (k *Keyed) Allow(key string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if now.Sub(k.swept) > k.idle {
		for key, b := range k.buckets {
			if now.Sub(b.seen) > k.idle {
				delete(k.buckets, key)
			}
		}
		k.swept = now
	}
	b, ok := k.buckets[key]
	if !ok {
		b = &bucket{l: rate.NewLimiter(k.limit, k.burst)}
		k.buckets[key] = b
	}
	b.seen = now
	return b.l.AllowN(now, 1)
}
