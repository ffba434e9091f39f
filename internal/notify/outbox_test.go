package notify

import (
	"context"
	"errors"
	"fmt"
	"net/mail"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/errs"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *clock { return &clock{t: time.Date(2026, 3, 12, 8, 0, 0, 0, time.UTC)} }

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

func enqueue(t *testing.T, d *db.DB, now time.Time, ms ...Message) {
	t.Helper()
	err := d.Tx(context.Background(), func(tx *db.Tx) error {
		for _, m := range ms {
			if err := Enqueue(context.Background(), tx, m, now); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("enqueue: %v", err)
	}
}

func accepted(t *testing.T, code, to string) Message {
	t.Helper()
	subject, body, err := Render(TopicAccepted, TemplateData{Code: code, ProcedureName: "Đăng ký khai sinh",
		AgencyName: "Ủy ban nhân dân xã Đông Anh", DueDate: time.Date(2026, 3, 16, 0, 0, 0, 0, vietnam),
		LookupURL: "https://dvc.example.gov.vn/tra-cuu?ma=" + code})
	if err != nil {
		t.Fatal(err)
	}
	return Message{Channel: ChannelEmail, Recipient: to, Subject: subject, Body: body, Topic: TopicAccepted, Ref: code}
}

func rows(t *testing.T, d *db.DB, f Filter) []Row {
	t.Helper()
	f.Limit = 500
	rs, err := List(context.Background(), d, f)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func oneRow(t *testing.T, d *db.DB, ref string) Row {
	t.Helper()
	rs := rows(t, d, Filter{Ref: ref})
	if len(rs) != 1 {
		t.Fatalf("%d rows for %q, want 1", len(rs), ref)
	}
	return rs[0]
}

func runOnce(t *testing.T, w *Worker, wantDelivered, wantFailed int) {
	t.Helper()
	d, f, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if d != wantDelivered || f != wantFailed {
		t.Fatalf("RunOnce = %d delivered, %d failed; want %d, %d", d, f, wantDelivered, wantFailed)
	}
}

func smtpTo(srv *mailServer) *SMTP {
	return &SMTP{Addr: srv.addr, From: "Cổng dịch vụ công <no-reply@dvc.example.gov.vn>", TLS: NoTLS, Timeout: 5 * time.Second}
}

func TestOutboxIsTransactional(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		srv := newMailServer(t)
		sender := smtpTo(srv)
		sender.Now = clk.Now
		w := &Worker{DB: d, Deliverers: Deliverers(sender), Now: clk.Now, ID: "w1"}

		m := accepted(t, "000.00.12.H26-260312-0001", "Trần Văn Bình <binh@example.vn>")
		rollback := errors.New("the dossier change failed")
		err := d.Tx(ctx, func(tx *db.Tx) error {
			if err := Enqueue(ctx, tx, m, clk.Now()); err != nil {
				return err
			}
			return rollback
		})
		if !errors.Is(err, rollback) {
			t.Fatalf("Tx = %v", err)
		}
		if rs := rows(t, d, Filter{}); len(rs) != 0 {
			t.Fatalf("a rolled-back transaction left %d outbox rows", len(rs))
		}
		runOnce(t, w, 0, 0)
		if n := len(srv.messages()); n != 0 {
			t.Fatalf("%d messages sent for a rolled-back change", n)
		}

		enqueue(t, d, clk.Now(), m)
		r := oneRow(t, d, m.Ref)
		if r.Status != StatusPending || r.Attempts != 0 || !r.CreatedAt.Equal(clk.Now()) || !r.NextAttemptAt.Equal(clk.Now()) {
			t.Fatalf("enqueued row = %+v", r)
		}
		clk.Add(time.Second)
		runOnce(t, w, 1, 0)
		msgs := srv.messages()
		if len(msgs) != 1 || msgs[0].To[0] != "binh@example.vn" {
			t.Fatalf("server received %+v", msgs)
		}
		checkMessage(t, msgs[0].Data, sender.From, m, clk.Now())
		r = oneRow(t, d, m.Ref)
		if r.Status != StatusSent || r.Attempts != 1 || !r.SentAt.Equal(clk.Now()) || r.LeasedBy != "w1" ||
			!r.LeaseUntil.IsZero() || r.LastError != "" {
			t.Errorf("sent row = %+v", r)
		}
		parsed, err := mail.ReadMessage(strings.NewReader(string(msgs[0].Data)))
		if err != nil {
			t.Fatal(err)
		}
		if want := fmt.Sprintf("<motcua.%d.%d@dvc.example.gov.vn>", r.ID, r.CreatedAt.UnixMicro()); parsed.Header.Get("Message-ID") != want {
			t.Errorf("Message-ID = %q, want %q", parsed.Header.Get("Message-ID"), want)
		}
		clk.Add(time.Hour)
		runOnce(t, w, 0, 0)
		if n := len(srv.messages()); n != 1 {
			t.Errorf("server received %d messages, want 1", n)
		}
	})
}

func TestOutboxRetriesWithBackoff(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		srv := newMailServer(t)
		srv.refuse.Store(true)
		var backoffs []int
		w := &Worker{DB: d, Deliverers: Deliverers(smtpTo(srv)), Now: clk.Now, ID: "w1", MaxAttempts: 5,
			Backoff: func(n int) time.Duration { backoffs = append(backoffs, n); return time.Duration(n) * time.Minute }}
		m := accepted(t, "000.00.12.H26-260312-0002", "binh@example.vn")
		enqueue(t, d, clk.Now(), m)

		runOnce(t, w, 0, 1)
		r := oneRow(t, d, m.Ref)
		if r.Status != StatusPending || r.Attempts != 1 || !r.NextAttemptAt.Equal(clk.Now().Add(time.Minute)) ||
			!strings.Contains(r.LastError, "421") || !r.LeaseUntil.IsZero() {
			t.Fatalf("after a refused connection: %+v", r)
		}
		runOnce(t, w, 0, 0) // not due yet
		clk.Add(59 * time.Second)
		runOnce(t, w, 0, 0)
		clk.Add(time.Second)
		runOnce(t, w, 0, 1) // due, still refused
		r = oneRow(t, d, m.Ref)
		if r.Attempts != 2 || !r.NextAttemptAt.Equal(clk.Now().Add(2*time.Minute)) {
			t.Fatalf("after the second failure: %+v", r)
		}
		srv.refuse.Store(false)
		clk.Add(2 * time.Minute)
		runOnce(t, w, 1, 0)
		r = oneRow(t, d, m.Ref)
		if r.Status != StatusSent || r.Attempts != 3 || r.LastError != "" || !r.SentAt.Equal(clk.Now()) {
			t.Fatalf("after the server came back: %+v", r)
		}
		if n := len(srv.messages()); n != 1 {
			t.Errorf("server received %d messages, want 1", n)
		}
		if fmt.Sprint(backoffs) != "[1 2]" {
			t.Errorf("Backoff called with %v, want [1 2]", backoffs)
		}
	})
}

func TestOutboxPermanentFailure(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		var unknown atomic.Bool
		unknown.Store(true)
		srv := newMailServer(t, withRcpt(func(addr string) (int, string) {
			if unknown.Load() && addr == "khongton@example.vn" {
				return 550, "5.1.1 <khongton@example.vn>: Recipient address rejected: User unknown"
			}
			return 250, ""
		}))
		w := &Worker{DB: d, Deliverers: Deliverers(smtpTo(srv)), Now: clk.Now, ID: "w1", MaxAttempts: 5,
			Backoff: func(int) time.Duration { return time.Minute }}
		m1 := accepted(t, "000.00.12.H26-260312-0003", "khongton@example.vn")
		m2 := accepted(t, "000.00.12.H26-260312-0004", "không phải địa chỉ thư")
		enqueue(t, d, clk.Now(), m1, m2)

		runOnce(t, w, 0, 2)
		for _, ref := range []string{m1.Ref, m2.Ref} {
			r := oneRow(t, d, ref)
			if r.Status != StatusFailed || r.Attempts != 1 || r.LastError == "" {
				t.Errorf("row %s = %+v, want failed after one attempt", ref, r)
			}
		}
		if r := oneRow(t, d, m1.Ref); !strings.Contains(r.LastError, "550") {
			t.Errorf("last error = %q, want the server's reply", r.LastError)
		}
		if n := srv.conns.Load(); n != 1 {
			t.Errorf("%d connections, want 1 (the malformed address needs none)", n)
		}
		clk.Add(24 * time.Hour)
		runOnce(t, w, 0, 0)

		// The back office may send a failed message again, once.
		unknown.Store(false)
		id := oneRow(t, d, m1.Ref).ID
		if err := d.Tx(ctx, func(tx *db.Tx) error { return Retry(ctx, tx, id, clk.Now()) }); err != nil {
			t.Fatal(err)
		}
		runOnce(t, w, 1, 0)
		if r := oneRow(t, d, m1.Ref); r.Status != StatusSent || r.Attempts != 1 {
			t.Errorf("retried row = %+v", r)
		}
		err := d.Tx(ctx, func(tx *db.Tx) error { return Retry(ctx, tx, id, clk.Now()) })
		if !errs.Is(err, errs.Conflict) {
			t.Errorf("Retry of a sent row = %v, want Conflict", err)
		}
		err = d.Tx(ctx, func(tx *db.Tx) error { return Retry(ctx, tx, 999999, clk.Now()) })
		if !errs.Is(err, errs.NotFound) {
			t.Errorf("Retry of no row = %v, want NotFound", err)
		}
	})
}

func TestOutboxGivesUpAfterMaxAttempts(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		srv := newMailServer(t)
		srv.refuse.Store(true)
		w := &Worker{DB: d, Deliverers: Deliverers(smtpTo(srv)), Now: clk.Now, ID: "w1", MaxAttempts: 3,
			Backoff: ExpBackoff(time.Minute, 10*time.Minute)}
		m := accepted(t, "000.00.12.H26-260312-0005", "binh@example.vn")
		enqueue(t, d, clk.Now(), m)
		for i := 1; i <= 3; i++ {
			runOnce(t, w, 0, 1)
			r := oneRow(t, d, m.Ref)
			wantStatus := StatusPending
			if i == 3 {
				wantStatus = StatusFailed
			}
			if r.Attempts != i || r.Status != wantStatus {
				t.Fatalf("after attempt %d: %+v", i, r)
			}
			if i < 3 {
				// ExpBackoff(1m, 10m) after failure i waits between half and all of 2^(i-1) minutes.
				wait := r.NextAttemptAt.Sub(clk.Now())
				full := time.Minute << (i - 1)
				if wait < full/2 || wait > full {
					t.Errorf("after attempt %d the next try is in %v, want within [%v, %v]", i, wait, full/2, full)
				}
			}
			clk.Add(time.Hour)
		}
		runOnce(t, w, 0, 0)
		if n := srv.conns.Load(); n != 3 {
			t.Errorf("%d connection attempts, want 3", n)
		}
	})
}

func TestTwoWorkersDeliverEachMessageOnce(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		const n = 60
		srv := newMailServer(t, withDelay(3*time.Millisecond))
		var ms []Message
		for i := range n {
			ms = append(ms, accepted(t, fmt.Sprintf("000.00.12.H26-260312-%04d", i+1), fmt.Sprintf("nguoi%d@example.vn", i)))
		}
		enqueue(t, d, time.Now(), ms...)

		ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		var wg sync.WaitGroup
		for _, id := range []string{"copy-a", "copy-b"} {
			w := &Worker{DB: d, Deliverers: Deliverers(smtpTo(srv)), ID: id, Batch: 4, Lease: time.Minute}
			wg.Go(func() {
				for ctx.Err() == nil {
					delivered, failed, err := w.RunOnce(ctx)
					if err != nil {
						t.Errorf("%s: RunOnce: %v", id, err)
						return
					}
					if failed > 0 {
						t.Errorf("%s: %d deliveries failed", id, failed)
					}
					if delivered == 0 {
						c, err := Counts(ctx, d)
						if err != nil {
							t.Error(err)
							return
						}
						if c[StatusPending] == 0 {
							return
						}
						time.Sleep(2 * time.Millisecond) // the rest is leased by the other worker
					}
				}
			})
		}
		wg.Wait()

		msgs := srv.messages()
		seen := map[string]int{}
		for _, m := range msgs {
			parsed, err := mail.ReadMessage(strings.NewReader(string(m.Data)))
			if err != nil {
				t.Fatal(err)
			}
			seen[parsed.Header.Get("Message-ID")]++
		}
		for id, k := range seen {
			if k != 1 {
				t.Errorf("message %s delivered %d times", id, k)
			}
		}
		if len(msgs) != n || len(seen) != n {
			t.Errorf("server received %d messages (%d distinct), want %d", len(msgs), len(seen), n)
		}
		by := map[string]int{}
		for _, r := range rows(t, d, Filter{}) {
			if r.Status != StatusSent || r.Attempts != 1 {
				t.Errorf("row %d: %s after %d attempts", r.ID, r.Status, r.Attempts)
			}
			by[r.LeasedBy]++
		}
		if by["copy-a"] == 0 || by["copy-b"] == 0 {
			t.Errorf("work was not shared: %v", by)
		}
		t.Logf("delivered by worker: %v", by)
	})
}

func TestExpiredLeaseIsTakenOver(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		srv := newMailServer(t)
		deliverers := Deliverers(smtpTo(srv))
		dead := &Worker{DB: d, Deliverers: deliverers, Now: clk.Now, ID: "dead", Lease: time.Minute}
		live := &Worker{DB: d, Deliverers: deliverers, Now: clk.Now, ID: "live", Lease: time.Minute}
		m1 := accepted(t, "000.00.12.H26-260312-0011", "a@example.vn")
		m2 := accepted(t, "000.00.12.H26-260312-0012", "b@example.vn")
		enqueue(t, d, clk.Now(), m1, m2)

		dead.setup()
		claimedRows, err := dead.claim(ctx) // … and then the process dies
		if err != nil || len(claimedRows) != 2 {
			t.Fatalf("claim = %d rows, %v", len(claimedRows), err)
		}
		r := oneRow(t, d, m1.Ref)
		if r.LeasedBy != "dead" || !r.LeaseUntil.Equal(clk.Now().Add(time.Minute)) || r.Status != StatusPending {
			t.Fatalf("leased row = %+v", r)
		}
		clk.Add(30 * time.Second)
		runOnce(t, live, 0, 0) // leased: not taken
		clk.Add(30 * time.Second)
		runOnce(t, live, 0, 0) // lease_until == now: still held
		clk.Add(time.Microsecond)
		runOnce(t, live, 2, 0)
		sentAt := clk.Now()
		for _, ref := range []string{m1.Ref, m2.Ref} {
			if r := oneRow(t, d, ref); r.Status != StatusSent || r.LeasedBy != "live" || r.Attempts != 1 {
				t.Errorf("row %s = %+v", ref, r)
			}
		}
		if n := len(srv.messages()); n != 2 {
			t.Errorf("server received %d messages, want 2", n)
		}

		// The dead worker comes back and records outcomes: its lease is
		// gone, so nothing changes.
		clk.Add(time.Minute)
		if err := dead.markFailed(ctx, claimedRows[0], Permanent(errors.New("late"))); err != nil {
			t.Fatal(err)
		}
		if err := dead.markSent(ctx, claimedRows[1]); err != nil {
			t.Fatal(err)
		}
		if err := dead.release(ctx, claimedRows); err != nil {
			t.Fatal(err)
		}
		for _, ref := range []string{m1.Ref, m2.Ref} {
			if r := oneRow(t, d, ref); r.Status != StatusSent || r.LeasedBy != "live" || r.Attempts != 1 ||
				!r.SentAt.Equal(sentAt) || r.LastError != "" {
				t.Errorf("row %s changed by a worker that lost its lease: %+v", ref, r)
			}
		}
	})
}

// blocking delivers nothing until its context ends.
type blocking struct{ started chan string }

func (blocking) Channel() string { return ChannelEmail }
func (b blocking) Deliver(ctx context.Context, m Message) error {
	b.started <- m.Ref
	<-ctx.Done()
	return ctx.Err()
}

func TestShutdownReleasesLeases(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		enqueue(t, d, clk.Now(), accepted(t, "X-1", "a@example.vn"), accepted(t, "X-2", "b@example.vn"),
			accepted(t, "X-3", "c@example.vn"))
		b := blocking{started: make(chan string, 3)}
		w := &Worker{DB: d, Deliverers: Deliverers(b), Now: clk.Now, ID: "w1"}
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-b.started; cancel() }()
		delivered, failed, err := w.RunOnce(ctx)
		if delivered != 0 || failed != 0 || err != nil {
			t.Fatalf("RunOnce = %d, %d, %v", delivered, failed, err)
		}
		for _, r := range rows(t, d, Filter{}) {
			if r.Status != StatusPending || r.Attempts != 0 || !r.LeaseUntil.IsZero() {
				t.Errorf("row %s after shutdown = %+v, want pending, unleased, no attempt", r.Ref, r)
			}
		}
		// Another worker can take them at once.
		other := &Worker{DB: d, Deliverers: map[string]Deliverer{ChannelEmail: Sink{}}, Now: clk.Now, ID: "w2"}
		runOnce(t, other, 3, 0)
	})
}

func TestWorkerSkipsChannelsItCannotDeliver(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		clk := newClock()
		sms := Message{Channel: "sms", Recipient: "+84912345678", Body: "Hồ sơ đã được tiếp nhận", Ref: "S-1"}
		enqueue(t, d, clk.Now(), sms, accepted(t, "E-1", "a@example.vn"))
		w := &Worker{DB: d, Deliverers: map[string]Deliverer{ChannelEmail: Sink{}}, Now: clk.Now, ID: "w1"}
		runOnce(t, w, 1, 0)
		runOnce(t, w, 0, 0)
		if r := oneRow(t, d, "S-1"); r.Status != StatusPending || r.Attempts != 0 || r.LeasedBy != "" {
			t.Errorf("sms row = %+v, want untouched", r)
		}
	})
}

// countingSink is a Sink that counts deliveries.
type countingSink struct {
	Sink
	n *atomic.Int64
}

func (c countingSink) Deliver(ctx context.Context, m Message) error {
	c.n.Add(1)
	return c.Sink.Deliver(ctx, m)
}

func TestRunDeliversOnWake(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx, cancel := context.WithCancel(context.Background())
		var n atomic.Int64
		w := &Worker{DB: d, Deliverers: map[string]Deliverer{ChannelEmail: countingSink{n: &n}}, ID: "w1"}
		waitSent := func(want int64) {
			t.Helper()
			deadline := time.Now().Add(5 * time.Second)
			for n.Load() < want {
				if time.Now().After(deadline) {
					t.Fatalf("%d messages delivered, want %d", n.Load(), want)
				}
				time.Sleep(5 * time.Millisecond)
			}
		}
		enqueue(t, d, time.Now(), accepted(t, "W-1", "a@example.vn"))
		done := make(chan struct{})
		go func() { defer close(done); w.Run(ctx, time.Hour) }()
		waitSent(1) // the first pass, at start

		// The next tick is an hour away: only Wake can deliver this in time.
		err := d.Tx(ctx, func(tx *db.Tx) error {
			tx.AfterCommit(w.Wake)
			return Enqueue(ctx, tx, accepted(t, "W-2", "b@example.vn"), time.Now())
		})
		if err != nil {
			t.Fatal(err)
		}
		waitSent(2)
		cancel()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("Run did not return after its context ended")
		}
		// Demo mode: the sink marks rows sent and the back office lists them.
		for _, r := range rows(t, d, Filter{Status: StatusSent}) {
			if r.Body == "" || r.Recipient == "" || r.SentAt.IsZero() {
				t.Errorf("sent row = %+v", r)
			}
		}
		if rs := rows(t, d, Filter{Status: StatusSent}); len(rs) != 2 {
			t.Errorf("%d sent rows, want 2", len(rs))
		}
	})
}

func TestEnqueueRejectsHeaderInjection(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		ok := Message{Channel: ChannelEmail, Recipient: "an@example.vn", Subject: "Hồ sơ đã được tiếp nhận", Body: "Nội dung\r\nnhiều dòng\n", Topic: TopicAccepted, Ref: "R-1"}
		bad := map[string]func(m *Message){
			"CRLF in recipient":       func(m *Message) { m.Recipient = "an@example.vn\r\nBcc: victim@example.org" },
			"LF in recipient":         func(m *Message) { m.Recipient = "an@example.vn\nBcc: victim@example.org" },
			"CR in recipient":         func(m *Message) { m.Recipient = "an@example.vn\rBcc: victim@example.org" },
			"CRLF in subject":         func(m *Message) { m.Subject = "Chào\r\nBcc: victim@example.org" },
			"LF in subject":           func(m *Message) { m.Subject = "Chào\nContent-Type: text/html" },
			"NEL in subject":          func(m *Message) { m.Subject = "Chào\u0085Bcc: x" },
			"line separator":          func(m *Message) { m.Subject = "Chào\u2028Bcc: x" },
			"NUL in recipient":        func(m *Message) { m.Recipient = "an@example.vn\x00" },
			"invalid UTF-8 subject":   func(m *Message) { m.Subject = "Ch\xe0o" },
			"NUL in body":             func(m *Message) { m.Body = "a\x00b" },
			"empty recipient":         func(m *Message) { m.Recipient = " " },
			"empty channel":           func(m *Message) { m.Channel = "" },
			"odd channel":             func(m *Message) { m.Channel = "e mail" },
			"newline in ref":          func(m *Message) { m.Ref = "R-1\nX" },
			"recipient too long":      func(m *Message) { m.Recipient = strings.Repeat("a", 400) + "@example.vn" },
			"subject too long":        func(m *Message) { m.Subject = strings.Repeat("ằ", 1001) },
			"body too long":           func(m *Message) { m.Body = strings.Repeat("a", maxBody+1) },
			"tab in recipient header": func(m *Message) { m.Recipient = "an@example.vn\tBcc" },
		}
		for name, mutate := range bad {
			m := ok
			mutate(&m)
			err := d.Tx(ctx, func(tx *db.Tx) error { return Enqueue(ctx, tx, m, time.Now()) })
			if !errs.Is(err, errs.Invalid) {
				t.Errorf("%s: Enqueue = %v, want Invalid", name, err)
			}
		}
		if rs := rows(t, d, Filter{}); len(rs) != 0 {
			t.Errorf("%d rows written by refused messages", len(rs))
		}
		enqueue(t, d, time.Now(), ok)
		if r := oneRow(t, d, "R-1"); r.Subject != ok.Subject || r.Body != ok.Body || r.Recipient != ok.Recipient {
			t.Errorf("stored row = %+v", r)
		}
	})
}

func TestList(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		clk := newClock()
		for i := range 5 {
			ref := "A"
			if i%2 == 1 {
				ref = "B"
			}
			m := accepted(t, ref, fmt.Sprintf("n%d@example.vn", i))
			m.Ref = ref
			enqueue(t, d, clk.Now(), m)
			clk.Add(time.Second)
		}
		w := &Worker{DB: d, Deliverers: map[string]Deliverer{ChannelEmail: Sink{}}, Now: clk.Now, ID: "w", Batch: 2}
		runOnce(t, w, 2, 0) // the two oldest

		all := rows(t, d, Filter{})
		if len(all) != 5 {
			t.Fatalf("%d rows", len(all))
		}
		for i := 1; i < len(all); i++ {
			if all[i].ID >= all[i-1].ID {
				t.Errorf("not newest first: %d after %d", all[i].ID, all[i-1].ID)
			}
		}
		if rs := rows(t, d, Filter{Ref: "A"}); len(rs) != 3 {
			t.Errorf("ref A: %d rows, want 3", len(rs))
		}
		if rs := rows(t, d, Filter{Ref: "B", Status: StatusSent}); len(rs) != 1 || rs[0].Recipient != "n1@example.vn" {
			t.Errorf("ref B sent: %+v", rs)
		}
		if rs := rows(t, d, Filter{Status: StatusPending, Topic: TopicAccepted, Channel: ChannelEmail}); len(rs) != 3 {
			t.Errorf("pending: %d rows, want 3", len(rs))
		}
		page, err := List(ctx, d, Filter{Limit: 2})
		if err != nil || len(page) != 2 || page[0].ID != all[0].ID {
			t.Fatalf("first page = %+v, %v", page, err)
		}
		page, err = List(ctx, d, Filter{Limit: 2, BeforeID: page[1].ID})
		if err != nil || len(page) != 2 || page[0].ID != all[2].ID || page[1].ID != all[3].ID {
			t.Errorf("second page = %+v, %v", page, err)
		}
		if _, err := List(ctx, d, Filter{Status: "lost"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("List with an unknown status = %v, want Invalid", err)
		}
		c, err := Counts(ctx, d)
		if err != nil || c[StatusPending] != 3 || c[StatusSent] != 2 || c[StatusFailed] != 0 {
			t.Errorf("Counts = %v, %v", c, err)
		}
	})
}
