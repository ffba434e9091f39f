package identity_test

import (
	"bytes"
	"sync"
	"testing"

	"github.com/motcua/motcua/internal/identity"
)

func TestSecrets(t *testing.T) {
	run(t, func(t *testing.T, f *fixture) {
		ctx := f.ctx
		a, err := f.svc.Secret(ctx, "csrf", 32)
		if err != nil {
			t.Fatal(err)
		}
		if len(a) != 32 || bytes.Equal(a, make([]byte, 32)) {
			t.Fatalf("secret %x", a)
		}
		// Another server copy reads the same secret; another name is another secret.
		other := identity.NewService(f.d, f.log, f.agencies, identity.Config{Password: cheap, Now: f.clk.Now})
		if b, err := other.Secret(ctx, "csrf", 32); err != nil || !bytes.Equal(a, b) {
			t.Errorf("second copy's secret %x, %v; want %x", b, err, a)
		}
		if c, err := f.svc.Secret(ctx, "cookie", 32); err != nil || bytes.Equal(a, c) {
			t.Errorf("another name gave %x, %v", c, err)
		}

		// Copies starting at once agree on one value.
		const copies = 6
		got := make([][]byte, copies)
		errs := make([]error, copies)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range copies {
			svc := identity.NewService(f.d, f.log, f.agencies, identity.Config{Password: cheap, Now: f.clk.Now})
			wg.Go(func() {
				<-start
				got[i], errs[i] = svc.Secret(ctx, "code-secret", 32)
			})
		}
		close(start)
		wg.Wait()
		for i := range copies {
			if errs[i] != nil || !bytes.Equal(got[i], got[0]) {
				t.Errorf("copy %d: %x, %v; copy 0 has %x", i, got[i], errs[i], got[0])
			}
		}
		if n := f.count(`SELECT COUNT(*) FROM secrets WHERE name = 'code-secret'`); n != 1 {
			t.Errorf("%d rows for one secret", n)
		}

		k1, err := f.svc.SigningKey(ctx, "devidp")
		if err != nil {
			t.Fatal(err)
		}
		k2, err := other.SigningKey(ctx, "devidp")
		if err != nil || !k1.Equal(k2) || k1.N.BitLen() < 2048 {
			t.Errorf("signing key differs between copies or is short: %v", err)
		}
	})
}
