package ratelimit

import (
	"testing"
	"time"
)

func TestKeyed(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	k := New(10, time.Minute, 5)
	k.now = func() time.Time { return now }
	for i := range 5 {
		if !k.Allow("1.2.3.4") {
			t.Fatalf("request %d refused within the burst", i)
		}
	}
	if k.Allow("1.2.3.4") {
		t.Fatal("the sixth request in a burst of five was allowed")
	}
	if !k.Allow("5.6.7.8") {
		t.Fatal("another client was limited by the first")
	}
	now = now.Add(6 * time.Second) // one token per 6 s
	if !k.Allow("1.2.3.4") {
		t.Fatal("no token after the refill interval")
	}
	now = now.Add(time.Hour)
	k.Allow("x")
	if len(k.buckets) != 1 {
		t.Errorf("idle buckets kept: %d", len(k.buckets))
	}
}
