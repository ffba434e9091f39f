package dossier_test

import (
	"context"
	"sync"
	"testing"

	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
)

// staffNotes records the watcher's notifications, inside its transactions.
type staffNotes struct {
	mu    sync.Mutex
	flags map[string][]string // code → flags
}

func (s *staffNotes) NotifyStaff(_ context.Context, _ *db.Tx, flag string, d *dossier.Dossier) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.flags == nil {
		s.flags = map[string][]string{}
	}
	s.flags[d.Code] = append(s.flags[d.Code], flag)
	return nil
}

func TestWatchFlagsDueSoonAndOverdueOnce(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		// Đăng ký lại khai sinh: 5 working days. Accepted Mon 2/3 09:00 →
		// due Mon 9/3 09:00.
		d := e.accepted(e.citizen("Lê Minh Khôi"), e.reRegistration("Lê Minh Khôi"), at("2026-03-02 09:00"))
		if got := show(d.DueAt); got != "2026-03-09 09:00 Mon" {
			t.Fatalf("due %s", got)
		}
		notes := &staffNotes{}
		watch := func(holder string) (int, int) {
			t.Helper()
			soon, over, err := e.svc.Watch(e.ctx, holder, notes)
			if err != nil {
				t.Fatal(err)
			}
			return soon, over
		}
		e.clk.Set(at("2026-03-05 09:00")) // two working days left: nothing
		if s, o := watch("a"); s+o != 0 {
			t.Fatalf("flagged early: %d %d", s, o)
		}
		e.clk.Set(at("2026-03-06 09:00")) // Friday 09:00: one working day left
		if s, o := watch("a"); s != 1 || o != 0 {
			t.Fatalf("due soon: %d %d", s, o)
		}
		if s, o := watch("a"); s+o != 0 {
			t.Fatalf("flagged twice: %d %d", s, o)
		}
		// Copy a runs again just before the deadline (nothing new to flag,
		// but it holds the lease); copy b cannot work while that lease runs,
		// even though the dossier is now overdue.
		e.clk.Set(at("2026-03-09 08:59"))
		if s, o := watch("a"); s+o != 0 {
			t.Fatalf("flagged before the deadline: %d %d", s, o)
		}
		e.clk.Set(at("2026-03-09 09:01"))
		if s, o := watch("b"); s+o != 0 {
			t.Fatalf("a second copy worked during the first's lease: %d %d", s, o)
		}
		e.clk.Set(at("2026-03-09 09:10")) // the lease has run out: copy b takes over
		if s, o := watch("b"); o != 1 || s != 0 {
			t.Fatalf("overdue: %d %d", s, o)
		}
		if s, o := watch("b"); s+o != 0 {
			t.Fatalf("overdue flagged twice: %d %d", s, o)
		}
		if got := notes.flags[d.Code]; len(got) != 2 || got[0] != dossier.FlagDueSoon || got[1] != dossier.FlagOverdue {
			t.Errorf("staff notified %v", got)
		}
		full := e.get(e.official("badinh.tiepnhan"), d.ID)
		var actions []string
		for _, ev := range full.Events {
			actions = append(actions, ev.Action)
		}
		if actions[len(actions)-2] != "flag_due_soon" || actions[len(actions)-1] != "flag_overdue" {
			t.Errorf("history %v", actions)
		}
		if n := e.count(`SELECT COUNT(*) FROM dossiers WHERE id = ? AND flagged = 'overdue'`, d.ID); n != 1 {
			t.Errorf("flag not stored")
		}
	})
}
