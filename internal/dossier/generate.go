package dossier

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
)

// Tally receives the statistics' facts of generated dossiers, change by
// change, and writes them with each batch (report.Tally).
type Tally interface {
	Change(f Facts, at time.Time)
	WriteFacts(ctx context.Context, tx *db.Tx) error
	Flush(ctx context.Context, tx *db.Tx) error
}

// GenerateOptions shape a generated data set.
type GenerateOptions struct {
	N        int       // dossiers
	From, To time.Time // received between
	Seed     uint64
	Progress func(done int)
	// Specialists who may be put in charge, with where they work: those
	// of the processing agency or of its units take its dossiers (the
	// demo's specialists work in units; unlike mayTake, which takes
	// grants at the agency or above, the generator looks below). None:
	// dossiers stay unassigned.
	Specialists []Specialist
}

// Specialist is an official holding the specialist role at an agency.
type Specialist struct {
	ID         int64
	AgencyPath string
}

// genRoute is where a procedure's dossiers are received and processed.
type genRoute struct {
	ver        catalog.Version
	c          *catalog.Case
	receiving  agency.Agency
	processing agency.Agency
	officers   []int64 // specialists of the processing agency
}

// Generate writes opts.N realistic dossiers with their whole history —
// events, pauses, files, ratings — received over [From, To) at the
// agencies that implement the published procedures, in batches of one
// transaction each, and hands every change's facts to the tally. It is
// for demonstrations and for measuring reports at scale: the rows are
// written directly, not through Act (which would take hours for millions),
// with the same deadline rules (Clock) as the real service. Finishing
// times after To stay open.
func (s *Service) Generate(ctx context.Context, procs []catalog.Version, tally Tally, opts GenerateOptions) error {
	if opts.N <= 0 {
		return nil
	}
	officers := func(a agency.Agency) []int64 {
		var out []int64
		for _, g := range opts.Specialists {
			if strings.HasPrefix(g.AgencyPath, a.Path) {
				out = append(out, g.ID)
			}
		}
		return out
	}
	r := rand.New(rand.NewPCG(opts.Seed, opts.Seed^0x9e3779b97f4a7c15))
	var routes []genRoute
	clocks := map[int64]Clock{}
	for _, v := range procs {
		for i := range v.Doc.Cases {
			c := &v.Doc.Cases[i]
			for _, code := range receivers(v.Doc) {
				recv, err := s.agencies.ByCode(ctx, code)
				if err != nil {
					continue
				}
				proc, err := s.processingAgency(ctx, v.Doc, recv)
				if err != nil {
					continue
				}
				routes = append(routes, genRoute{ver: v, c: c, receiving: recv, processing: proc, officers: officers(proc)})
				if _, ok := clocks[recv.ID]; !ok {
					ck, err := s.clock(ctx, recv)
					if err != nil {
						return err
					}
					clocks[recv.ID] = ck
				}
			}
		}
	}
	if len(routes) == 0 {
		return fmt.Errorf("generate: no published procedure with a receiving agency")
	}
	var next int64
	if err := s.db.QueryRowContext(ctx, `SELECT COALESCE(MAX(id), 0) FROM dossiers`).Scan(&next); err != nil {
		return err
	}
	seq := map[string]int{}
	const batchSize = 2000
	for done := 0; done < opts.N; {
		n := min(batchSize, opts.N-done)
		err := s.db.Tx(ctx, func(tx *db.Tx) error {
			w := newGenWriter(tx)
			defer w.close()
			for range n {
				next++
				rt := routes[r.IntN(len(routes))]
				if err := s.genOne(ctx, w, r, rt, clocks[rt.receiving.ID], next, seq, tally, opts); err != nil {
					return err
				}
			}
			if err := w.flush(ctx, true); err != nil {
				return err
			}
			return tally.WriteFacts(ctx, tx)
		})
		if err != nil {
			return fmt.Errorf("generate: %w", err)
		}
		done += n
		if opts.Progress != nil {
			opts.Progress(done)
		}
	}
	return s.db.Tx(ctx, func(tx *db.Tx) error {
		if err := tally.Flush(ctx, tx); err != nil {
			return err
		}
		// Real acceptances carry on after the generated numbers.
		for k, last := range seq {
			ag, day, _ := strings.Cut(k, "|")
			if _, err := tx.ExecContext(ctx, `INSERT INTO dossier_code_seq (agency_id, day, last) VALUES (?, ?, ?)
				ON CONFLICT (agency_id, day) DO UPDATE SET last = CASE WHEN dossier_code_seq.last > excluded.last THEN dossier_code_seq.last ELSE excluded.last END`,
				ag, day, last); err != nil {
				return err
			}
		}
		if tx.Dialect() == db.Postgres {
			_, err := tx.ExecContext(ctx, `SELECT setval(pg_get_serial_sequence('dossiers', 'id'), (SELECT MAX(id) FROM dossiers))`)
			return err
		}
		return nil
	})
}

// genOne simulates one dossier's life.
func (s *Service) genOne(ctx context.Context, w *genWriter, r *rand.Rand, rt genRoute, ck Clock, id int64, seq map[string]int, tally Tally, opts GenerateOptions) error {
	span := opts.To.Sub(opts.From)
	loc := ck.Cal.Location()
	// Received on a working day, in working hours.
	t := ck.Cal.NextWorkingStart(opts.From.Add(time.Duration(r.Int64N(int64(span)))))
	t = t.Add(time.Duration(r.IntN(7*60)) * time.Minute)
	if !ck.Cal.IsWorkingTime(t) {
		t = ck.Cal.NextWorkingStart(t)
	}
	channel := "counter"
	switch x := r.IntN(100); {
	case rt.ver.Doc.OnlineLevel != catalog.OnlineNone && x < 55:
		channel = "online"
	case x >= 90:
		channel = "post"
	}
	d := Dossier{ID: id, ProcedureCode: rt.ver.Doc.Code, ProcedureVersion: rt.ver.Number, CaseCode: rt.c.Code, ProcedureName: rt.ver.Doc.NameVI,
		Channel: channel, ReceivingAgency: rt.receiving.ID, ProcessingAgency: rt.processing.ID, SubmittedAt: t, CreatedAt: t,
		Applicant: Applicant{Type: "citizen", NationalID: fmt.Sprintf("0019%08d", r.IntN(100_000_000)), FullName: genNames[r.IntN(len(genNames))]}}
	var evs []Event
	var workDays float64
	var rating string
	var ratedAt time.Time
	var feeAsked bool
	ev := func(at time.Time, a Action, from, to Status, dueBefore, dueAfter time.Time, data map[string]any) {
		evs = append(evs, Event{At: at, Action: string(a), From: from, To: to, DueBefore: dueBefore, DueAfter: dueAfter, Data: data,
			ActorKind: "account", ActorName: "generated"})
	}
	facts := func(at time.Time, officer int64) {
		f := factsOf(&d, rt.ver, rt.c, ck.Cal, officer)
		f.WithFee, f.Digitized, f.Reused, f.Electronic = feeAsked, genDigitized(&d), genReused(&d), genElectronic(&d)
		if d.Status == Returned && rating != "" {
			f.Rating, f.Rated = rating, ratedAt
		}
		if !f.Closed.IsZero() && d.ResultKind != "stop" {
			f.WorkDays = workDays
		}
		tally.Change(f, at)
	}
	d.Status = Submitted
	if channel == "online" {
		ev(t, Submit, Draft, Submitted, time.Time{}, time.Time{}, nil)
		if r.IntN(100) < 3 {
			d.Status, d.UpdatedAt = Rejected, t.Add(2*time.Hour)
			ev(d.UpdatedAt, RejectAtDesk, Submitted, Rejected, time.Time{}, time.Time{}, map[string]any{"reason": "Không thuộc thẩm quyền"})
			facts(d.UpdatedAt, 0)
			return w.dossier(ctx, &d, evs, nil, genRating{}, rt)
		}
		t = t.Add(time.Duration(r.IntN(180)) * time.Minute)
	}
	// Accepted.
	day := t.In(loc)
	key := fmt.Sprintf("%d|%s", rt.receiving.ID, day.Format("2006-01-02"))
	seq[key]++
	code, err := FormatCode(FormatA, rt.receiving.Code.LegacyForm(), rt.receiving.Code.String(), "", day, seq[key])
	if err != nil {
		code, _ = FormatCode(FormatB, "", rt.receiving.Code.String(), "00", day, seq[key])
	}
	d.Code, d.ReceivedAt, d.Status, d.Step = code, t, Processing, 1
	d.DueAt = ck.Due(t, rt.c.Time)
	d.OriginalDueAt = d.DueAt
	ev(t, Accept, Submitted, Processing, time.Time{}, d.DueAt, nil)
	facts(t, 0)
	var officer int64
	if len(rt.officers) > 0 {
		officer = rt.officers[r.IntN(len(rt.officers))]
	}
	t = t.Add(time.Duration(30+r.IntN(180)) * time.Minute)
	if officer != 0 {
		d.AssigneeID = officer
		ev(t, Assign, Processing, Processing, time.Time{}, time.Time{}, map[string]any{"assignee": officer})
		facts(t, officer)
	}
	var pauses []genPause
	from := d.ReceivedAt
	var paid []calendar.Interval
	end := opts.To
	stop := func() error { return w.dossier(ctx, &d, evs, pauses, genRating{}, rt) }
	if r.IntN(100) < 8 { // supplement
		t = ck.Cal.AddWorkingHours(t, time.Duration(1+r.IntN(16))*time.Hour)
		if t.After(end) {
			return stop()
		}
		d.Status, d.PausedAt = Supplement, t
		ev(t, RequestSupplement, Processing, Supplement, time.Time{}, time.Time{}, map[string]any{"missing": []string{"Bản sao giấy tờ"}})
		facts(t, 0)
		back := t.Add(time.Duration(1+r.IntN(10*24)) * time.Hour)
		if r.IntN(100) < 15 || back.After(end) {
			pauses = append(pauses, genPause{"supplement", t, time.Time{}})
			return stop()
		}
		pauses = append(pauses, genPause{"supplement", t, back})
		before := d.DueAt
		t, d.Status, d.PausedAt = back, Processing, time.Time{}
		d.DueAt = ck.Due(t, rt.c.Time)
		d.OriginalDueAt, from, paid = d.DueAt, t, nil
		ev(t, SupplementReceived, Supplement, Processing, before, d.DueAt, map[string]any{"restart": true})
		facts(t, 0)
	}
	if r.IntN(100) < 8 { // fees
		t = t.Add(time.Duration(1+r.IntN(4)) * time.Hour)
		if t.After(end) {
			return stop()
		}
		d.Status, d.PausedAt, feeAsked = AwaitingPayment, t, true
		ev(t, RequestPayment, Processing, AwaitingPayment, time.Time{}, time.Time{}, map[string]any{"amount": 50000})
		facts(t, 0)
		back := t.Add(time.Duration(1+r.IntN(72)) * time.Hour)
		if back.After(end) {
			pauses = append(pauses, genPause{"payment", t, time.Time{}})
			return stop()
		}
		pauses = append(pauses, genPause{"payment", t, back})
		paid = append(paid, calendar.Interval{Start: t, End: back})
		before := d.DueAt
		d.DueAt = ck.Resume(d.DueAt, t, back)
		t, d.Status, d.PausedAt = back, Processing, time.Time{}
		ev(t, MarkPaid, AwaitingPayment, Processing, before, d.DueAt, nil)
		facts(t, 0)
	}
	if r.IntN(100) < 3 { // withdrawn
		t = t.Add(time.Duration(1+r.IntN(24)) * time.Hour)
		if t.After(end) {
			return stop()
		}
		d.Status, d.FinishedAt, d.ResultKind = Withdrawn, t, "stop"
		ev(t, Withdraw, Processing, Withdrawn, time.Time{}, time.Time{}, map[string]any{"reason": "Người nộp rút hồ sơ"})
		facts(t, 0)
		return stop()
	}
	if r.IntN(100) < 4 && ck.CanExtend(t, d.DueAt) { // apology and extension
		before := d.DueAt
		d.DueAt, d.Extended = ck.Cal.AddWorkingDays(d.DueAt, 3), true
		ev(t, Extend, Processing, Processing, before, d.DueAt, map[string]any{"reason": "Cần xác minh thêm"})
		facts(t, 0)
	}
	// Finished: mostly in time, some late.
	left := ck.Cal.WorkingTimeBetween(t, d.DueAt, nil)
	var fin time.Time
	if r.IntN(100) < 12 {
		fin = ck.Cal.AddWorkingHours(d.DueAt, time.Duration(1+r.IntN(80))*time.Hour)
	} else {
		fin = ck.Cal.AddWorkingHours(t, time.Duration(float64(left)*r.Float64()))
	}
	if !fin.After(t) {
		fin = t.Add(time.Minute)
	}
	if fin.After(end) {
		return stop()
	}
	d.FinishedAt, d.Step = fin, len(rt.c.Process)-1
	d.Timeliness = ck.Judge(fin, d.DueAt)
	workDays = ck.Cal.WorkingDaysBetween(ck.Start(from), fin, paid)
	if r.IntN(100) < 5 {
		d.Status, d.ResultKind = Refused, "refusal"
		ev(fin, Refuse, Processing, Refused, time.Time{}, time.Time{}, map[string]any{"reason": "Không đủ điều kiện"})
	} else {
		d.Status, d.ResultKind = ResultReady, "result"
		ev(fin, IssueResult, Processing, ResultReady, time.Time{}, time.Time{}, nil)
	}
	facts(fin, 0)
	ret := fin.Add(time.Duration(1+r.IntN(96)) * time.Hour)
	if r.IntN(100) < 90 && !ret.After(end) {
		d.Status, d.ReturnedAt = Returned, ret
		ev(ret, ReturnResult, evs[len(evs)-1].To, Returned, time.Time{}, time.Time{}, map[string]any{"channel": channel})
		if rated := ret.Add(time.Duration(1+r.IntN(48)) * time.Hour); r.IntN(100) < 30 && !rated.After(end) {
			x := r.IntN(100)
			rating, ratedAt = "satisfied", rated
			if x >= 95 {
				rating = "unsatisfied"
			} else if x >= 85 {
				rating = "neutral"
			}
			ev(rated, Rate, Returned, Returned, time.Time{}, time.Time{}, map[string]any{"rating": rating})
			facts(ret, 0)
			facts(rated, 0)
		} else {
			facts(ret, 0)
		}
	}
	return w.dossier(ctx, &d, evs, pauses, genRating{rating, ratedAt}, rt)
}

var genNames = []string{"Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em", "Vũ Thị Giang",
	"Đặng Văn Hải", "Bùi Thị Hoa", "Đỗ Văn Khánh", "Ngô Thị Lan"}

type genPause struct {
	kind       string
	start, end time.Time
}

type genRating struct {
	rating string
	at     time.Time
}

// The generated files: components scanned at the counter for three in
// five paper dossiers, one in ten reusing the data store, seven in ten
// results issued as files. Decided by the dossier's number, so that the
// files written and the facts counted agree.
func genDigitized(d *Dossier) bool  { return d.Channel != "online" && d.ID%5 < 3 }
func genReused(d *Dossier) bool     { return d.ID%10 == 0 }
func genElectronic(d *Dossier) bool { return d.ResultKind == "result" && d.ID%10 < 7 }
