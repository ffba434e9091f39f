package dossier_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/calendar"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/demo"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/forms"
	"github.com/motcua/motcua/internal/report"
)

// The statistics are kept as daily counts in the transaction of each
// change (internal/report's Recorder). These tests drive random dossiers
// through the real service — pauses for supplements and payment,
// extensions, refusals, withdrawals, late results, returns and ratings —
// and compare every figure, for many periods and groupings, with a naive
// recount from the recorded events.

// journey takes one dossier through a random life, from time t on.
func (e *env) journey(r *rand.Rand, n int, t time.Time) {
	e.t.Helper()
	desk, specialist := e.official("badinh.tiepnhan"), e.official("badinh.chuyenvien")
	head := e.official("badinh.truongphong")
	step := func(h int) {
		t = t.Add(time.Duration(h)*time.Hour + time.Duration(r.IntN(50))*time.Minute)
		e.clk.Set(t)
	}
	var app dossier.Application
	if r.IntN(2) == 0 {
		app = e.birth("Bé " + strconv.Itoa(n))
	} else {
		app = e.reRegistration("Người " + strconv.Itoa(n))
	}
	var d dossier.Dossier
	c := e.citizen("Công dân " + strconv.Itoa(n))
	switch r.IntN(4) {
	case 0, 1: // online
		e.clk.Set(t)
		d = e.submit(c, app)
		step(r.IntN(20))
		d = e.get(desk, d.ID)
		if r.IntN(8) == 0 {
			e.do(desk, &d, dossier.RejectAtDesk, dossier.Input{Reason: "Không thuộc thẩm quyền"})
			return
		}
		e.do(desk, &d, dossier.Accept, dossier.Input{})
	default: // at the counter or by post: the desk scans the papers
		app.Channel = "counter"
		if r.IntN(3) == 0 {
			app.Channel = "post"
		}
		app.Applicant.NationalID = c.NationalID
		e.clk.Set(t)
		var err error
		d, err = e.svc.ReceivePaper(e.ctx, desk, app, dossier.Accept, dossier.Input{}, "paper-"+strconv.FormatInt(keys.Add(1), 10))
		if err != nil {
			e.t.Fatalf("ReceivePaper: %v", err)
		}
	}
	step(r.IntN(6))
	e.do(head, &d, dossier.Assign, dossier.Input{AssigneeID: specialist.ID})
	if r.IntN(4) == 0 { // a supplement, answered or not
		step(r.IntN(30))
		e.do(specialist, &d, dossier.RequestSupplement, dossier.Input{Missing: []string{"Bản sao giấy tờ"}})
		if r.IntN(5) == 0 {
			return // still waiting
		}
		step(r.IntN(100))
		e.do(desk, &d, dossier.SupplementReceived, dossier.Input{})
	}
	if r.IntN(5) == 0 {
		step(r.IntN(10))
		e.do(specialist, &d, dossier.RequestPayment, dossier.Input{Amount: 50000})
		step(r.IntN(60))
		e.do(desk, &d, dossier.MarkPaid, dossier.Input{})
	}
	if r.IntN(6) == 0 {
		step(r.IntN(8))
		if err := e.try(desk, d, dossier.Withdraw, dossier.Input{Reason: "Người nộp rút hồ sơ"}); err == nil {
			d = e.get(desk, d.ID)
			return
		}
	}
	if r.IntN(5) == 0 {
		// Refused when less than a working day is left: then nothing moves.
		if e.try(head, d, dossier.Extend, dossier.Input{Reason: "Cần xác minh", NewDue: d.DueAt.AddDate(0, 0, 7)}) == nil {
			d = e.get(desk, d.ID)
		}
	}
	if r.IntN(7) == 0 {
		return // left in progress: on time or overdue, depending on the period's end
	}
	// Processing: quick, or slow enough to be late.
	step(r.IntN(60) + 1)
	if r.IntN(6) == 0 {
		e.do(head, &d, dossier.Refuse, dossier.Input{Reason: "Không đủ điều kiện"})
	} else {
		e.issue(&d)
	}
	if r.IntN(4) == 0 {
		return
	}
	step(r.IntN(48))
	e.do(desk, &d, dossier.ReturnResult, dossier.Input{ReturnChannel: "counter"})
	if r.IntN(2) == 0 {
		step(r.IntN(24))
		e.do(c, &d, dossier.Rate, dossier.Input{Rating: dossier.Ratings[r.IntN(3)]})
	}
}

func TestStatsEqualRecount(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		r := rand.New(rand.NewPCG(7, uint64(len(e.engine))))
		t0 := at("2026-01-05 08:00")
		for n := range 45 {
			e.journey(r, n, t0.Add(time.Duration(r.IntN(24*90))*time.Hour))
		}
		facts := e.recount()
		periods := []report.Period{}
		for _, name := range []string{"2026-01", "2026-02", "2026-03", "2026-Q1", "c2026-Q1", "2026-H1", "2026"} {
			p, err := report.ParsePeriod(name)
			if err != nil {
				t.Fatal(err)
			}
			periods = append(periods, p)
		}
		for range 8 {
			from := calendar.Date{Year: 2026, Month: time.January, Day: 1}.AddDays(r.IntN(100))
			p, _ := report.Range(from, from.AddDays(r.IntN(60)))
			periods = append(periods, p)
		}
		for _, p := range periods {
			got, err := e.stats.Stats(e.ctx, operator, report.Query{Period: p, Group: report.ByProcedure})
			if err != nil {
				t.Fatal(err)
			}
			want := facts.figures(p, func(*recounted) bool { return true })
			if diff := cmp.Diff(want, got.Total, cmpopts.EquateApprox(0, 0.001)); diff != "" {
				t.Errorf("%s: figures (-recount +stats):\n%s", p, diff)
			}
			for _, row := range got.Rows {
				want := facts.figures(p, func(x *recounted) bool { return x.procedure == row.Key })
				if diff := cmp.Diff(want, row.Figures, cmpopts.EquateApprox(0, 0.001)); diff != "" {
					t.Errorf("%s, procedure %s (-recount +stats):\n%s", p, row.Key, diff)
				}
			}
		}
		// The random histories cover every kind of figure, or the
		// comparison above proves less than it seems.
		all, _ := report.Range(calendar.Date{Year: 2026, Month: 1, Day: 1}, calendar.Date{Year: 2026, Month: 12, Day: 31})
		y := facts.figures(all, func(*recounted) bool { return true })
		mar, _ := report.ParsePeriod("2026-03")
		m := facts.figures(mar, func(*recounted) bool { return true })
		for name, n := range map[string]int64{"early": y.Early, "on time": y.OnTime, "late": y.Late, "refusals": y.Refusals,
			"withdrawn": y.Withdrawn, "rejected": y.Rejected, "returned": y.Returned, "satisfied": y.RatedSatisfied,
			"counter": y.ReceivedCounter, "post": y.ReceivedPost, "online": y.ReceivedOnline, "digitised": y.Digitized,
			"with fee": y.WithFee, "electronic": y.Electronic, "in progress at the end": y.InProgress,
			"overdue at the end": y.Overdue, "carried into March": m.CarriedOver, "overdue in March": m.Overdue} {
			if n == 0 {
				t.Errorf("no dossier %s in the random data", name)
			}
		}
		// Rows per officer name them.
		byOfficer, err := e.stats.Stats(e.ctx, operator, report.Query{Period: all, Group: report.ByOfficer})
		if err != nil {
			t.Fatal(err)
		}
		specialist := e.official("badinh.chuyenvien")
		if byOfficer.Officers[specialist.ID] != specialist.Name || byOfficer.Units[specialist.ID] != specialist.AgencyID {
			t.Errorf("officers named %v in units %v, want %d: %s of %d", byOfficer.Officers, byOfficer.Units, specialist.ID, specialist.Name, specialist.AgencyID)
		}
		// Every figure lists exactly the dossiers behind it, at the ends
		// of many periods (the lists of dossiers open then read their past
		// state from the runs of overdue days their facts keep).
		for _, p := range append([]report.Period{all, mar}, periods...) {
			got, err := e.stats.Stats(e.ctx, operator, report.Query{Period: p})
			if err != nil {
				t.Fatal(err)
			}
			var byName map[string]float64
			b, _ := json.Marshal(got.Total)
			json.Unmarshal(b, &byName)
			for _, m := range report.Metrics {
				n := 0
				for page := 0; ; page++ {
					items, more, err := e.stats.Dossiers(e.ctx, operator, report.Query{Period: p}, m, page)
					if err != nil {
						t.Fatalf("Dossiers(%s): %v", m, err)
					}
					n += len(items)
					if !more {
						break
					}
				}
				if float64(n) != byName[m] {
					t.Errorf("%s, %s: %d dossiers listed, the figure is %g", p, m, n, byName[m])
				}
			}
		}
		// A time series: every reporting month of the year on its own.
		year, _ := report.ParsePeriod("2026-H1")
		series, err := e.stats.Stats(e.ctx, operator, report.Query{Period: year, Group: report.ByMonth})
		if err != nil {
			t.Fatal(err)
		}
		if len(series.Rows) != 6 {
			t.Fatalf("%d months in the first half-year", len(series.Rows))
		}
		for _, row := range series.Rows {
			from, _ := calendar.ParseDate(row.Key)
			p := report.Current(report.Month, from)
			want := facts.figures(p, func(*recounted) bool { return true })
			if diff := cmp.Diff(want, row.Figures, cmpopts.EquateApprox(0, 0.001)); diff != "" {
				t.Errorf("month from %s (-recount +stats):\n%s", row.Key, diff)
			}
		}
	})
}

// recounted is one dossier as the recount sees it.
type recounted struct {
	procedure, channel                     string
	onlineFull                             bool
	events                                 []rawEvent
	digitized, reused, electronic, withFee bool
	clock                                  dossier.Clock
	legal                                  float64
}

type rawEvent struct {
	at         time.Time
	action, to string
	dueAfter   time.Time
	data       map[string]any
}

type recount struct {
	dossiers []*recounted
}

// recount reads the dossiers' events and files straight from the tables.
func (e *env) recount() *recount {
	e.t.Helper()
	rows, err := e.d.QueryContext(e.ctx, `SELECT d.id, d.procedure_code, d.procedure_version, d.case_code, d.channel, d.receiving_agency_id,
		(SELECT COUNT(*) FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind IN ('component', 'supplement') AND f.digitized),
		(SELECT COUNT(*) FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind IN ('component', 'supplement') AND f.reused),
		(SELECT COUNT(*) FROM dossier_files f WHERE f.dossier_id = d.id AND f.kind = 'result'),
		(SELECT COUNT(*) FROM dossier_pauses p WHERE p.dossier_id = d.id AND p.kind = 'payment')
		FROM dossiers d ORDER BY d.id`)
	if err != nil {
		e.t.Fatal(err)
	}
	type row struct {
		id, receiving       int64
		code, caseCode, ch  string
		version             int
		dig, reu, res, pays int
	}
	var all []row
	for rows.Next() {
		var x row
		if err := rows.Scan(&x.id, &x.code, &x.version, &x.caseCode, &x.ch, &x.receiving, &x.dig, &x.reu, &x.res, &x.pays); err != nil {
			e.t.Fatal(err)
		}
		all = append(all, x)
	}
	rows.Close()
	out := &recount{}
	for _, x := range all {
		ver, err := e.catalog.Published(e.ctx, x.code, x.version)
		if err != nil {
			e.t.Fatal(err)
		}
		c, _ := dossier.CaseOf(ver, x.caseCode)
		cal, err := e.cals.Calendar(e.ctx, x.receiving, nil)
		if err != nil {
			e.t.Fatal(err)
		}
		rc := &recounted{procedure: x.code, channel: x.ch, onlineFull: x.ch == "online" && ver.Doc.OnlineLevel == "full",
			digitized: x.dig > 0, reused: x.reu > 0, electronic: x.res > 0, withFee: x.pays > 0,
			clock: dossier.Clock{Cal: cal, Cutoff: dossier.DefaultCutoff}, legal: float64(c.Time.Value)}
		switch c.Time.Unit {
		case catalog.WithinDay:
			rc.legal = 1
		case catalog.WorkingHours:
			rc.legal = float64(c.Time.Value) / 8
		}
		evs, err := e.d.QueryContext(e.ctx, `SELECT at, action, to_status, due_after, data FROM dossier_events WHERE dossier_id = ? ORDER BY id`, x.id)
		if err != nil {
			e.t.Fatal(err)
		}
		for evs.Next() {
			var ev rawEvent
			var at, due db.Time
			var data string
			if err := evs.Scan(&at, &ev.action, &ev.to, &due, &data); err != nil {
				e.t.Fatal(err)
			}
			ev.at, ev.dueAfter = at.Time, due.Time
			if data != "" {
				json.Unmarshal([]byte(data), &ev.data)
			}
			rc.events = append(rc.events, ev)
		}
		evs.Close()
		out.dossiers = append(out.dossiers, rc)
	}
	return out
}

// day is the local day of t.
func day(t time.Time) calendar.Date { return calendar.DateIn(t, vn) }

// figures counts what a person would count, event by event.
func (rc *recount) figures(p report.Period, keep func(*recounted) bool) report.Figures {
	var f report.Figures
	end := p.To.AddDays(1).In(vn) // the instant the period ends
	begin := p.From.In(vn)
	for _, x := range rc.dossiers {
		if !keep(x) {
			continue
		}
		var received, closed, supplementBack time.Time
		var due time.Time
		var pauses []calendar.Interval
		var pausedAt time.Time
		for _, ev := range x.events {
			if !ev.dueAfter.IsZero() {
				due = ev.dueAfter
			}
			switch ev.action {
			case "accept":
				received = ev.at
			case "reject":
				if p.Contains(day(ev.at)) {
					f.Rejected++
				}
			case "request_payment":
				pausedAt = ev.at
			case "mark_paid":
				pauses = append(pauses, calendar.Interval{Start: pausedAt, End: ev.at})
			case "supplement_received":
				supplementBack, pauses = ev.at, nil
			case "issue_result", "refuse", "withdraw":
				if !received.IsZero() {
					closed = ev.at
					// The deadline in force at the end.
					if ev.action != "withdraw" && p.Contains(day(ev.at)) {
						switch {
						case ev.at.After(due):
							f.Late++
						case day(ev.at).Before(day(due)):
							f.Early++
						default:
							f.OnTime++
						}
						if ev.action == "refuse" {
							f.Refusals++
						} else if x.electronic {
							f.Electronic++
						}
						from := received
						if !supplementBack.IsZero() {
							from = supplementBack
						}
						f.WorkDaysSum += x.clock.Cal.WorkingDaysBetween(x.clock.Start(from), ev.at, pauses)
						f.LegalDaysSum += x.legal
					}
					if ev.action == "withdraw" && p.Contains(day(ev.at)) {
						f.Withdrawn++
					}
				}
			case "return_result":
				if p.Contains(day(ev.at)) {
					f.Returned++
				}
			case "rate":
				if p.Contains(day(ev.at)) {
					switch ev.data["rating"] {
					case "satisfied":
						f.RatedSatisfied++
					case "neutral":
						f.RatedNeutral++
					default:
						f.RatedUnsatisfied++
					}
				}
			}
		}
		if received.IsZero() {
			continue
		}
		if p.Contains(day(received)) {
			switch {
			case x.channel == "post":
				f.ReceivedPost++
			case x.channel == "online" && x.onlineFull:
				f.ReceivedOnlineFull++
			case x.channel == "online":
				f.ReceivedOnlinePartial++
			default:
				f.ReceivedCounter++
			}
			if x.digitized {
				f.Digitized++
			}
			if x.reused {
				f.Reused++
			}
			if x.withFee {
				f.WithFee++
			}
		}
		if received.Before(begin) && (closed.IsZero() || !closed.Before(begin)) {
			f.CarriedOver++
		}
		if received.Before(end) && (closed.IsZero() || !closed.Before(end)) {
			f.InProgress++
			// The state at the end, replayed: paused, and the deadline
			// then in force.
			var status string
			var dueThen time.Time
			for _, ev := range x.events {
				if !ev.at.Before(end) {
					break
				}
				status = ev.to
				if !ev.dueAfter.IsZero() {
					dueThen = ev.dueAfter
				}
			}
			paused := dossier.Status(status).Paused()
			if !paused && day(dueThen).Before(p.To.AddDays(1)) {
				f.Overdue++
			}
		}
	}
	f.ReceivedOnline = f.ReceivedOnlineFull + f.ReceivedOnlinePartial
	f.Received = f.ReceivedCounter + f.ReceivedPost + f.ReceivedOnline
	f.Resolved = f.Early + f.OnTime + f.Late
	f.InProgressOnTime = f.InProgress - f.Overdue
	return f
}

// The generator of demonstration data writes rows directly, with the
// facts of every change tallied in memory: its figures must be the
// recount's too.
func TestGeneratedStatsEqualRecount(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		bundle, err := demo.Catalog()
		if err != nil {
			t.Fatal(err)
		}
		var procs []catalog.Version
		for _, p := range bundle.Procedures {
			v, err := e.catalog.Published(e.ctx, p.Code, 0)
			if err != nil {
				t.Fatal(err)
			}
			procs = append(procs, v)
		}
		holders, err := e.ids.RoleHolders(e.ctx, authz.Specialist)
		if err != nil {
			t.Fatal(err)
		}
		var specialists []dossier.Specialist
		for _, h := range holders {
			specialists = append(specialists, dossier.Specialist{ID: h.AccountID, AgencyPath: h.AgencyPath})
		}
		opts := dossier.GenerateOptions{N: 600, From: at("2025-11-01 00:00"), To: at("2026-05-01 00:00"), Seed: 3, Specialists: specialists}
		if err := e.svc.Generate(e.ctx, procs, report.NewTally(vn), opts); err != nil {
			t.Fatal(err)
		}
		if n := e.rows("dossiers"); n != 600 {
			t.Fatalf("%d dossiers", n)
		}
		facts := e.recount()
		var overdue int64
		for _, name := range []string{"2025-12", "2026-01", "2026-02", "2026-Q1", "2026-03", "2026-H1", "c2026-04"} {
			p, _ := report.ParsePeriod(name)
			got, err := e.stats.Stats(e.ctx, operator, report.Query{Period: p})
			if err != nil {
				t.Fatal(err)
			}
			want := facts.figures(p, func(*recounted) bool { return true })
			if diff := cmp.Diff(want, got.Total, cmpopts.EquateApprox(0, 0.001)); diff != "" {
				t.Errorf("%s: figures (-recount +stats):\n%s", name, diff)
			}
			if name == "2026-Q1" && (got.Total.Late == 0 || got.Total.Withdrawn == 0 || got.Total.RatedSatisfied == 0 || got.Total.Rejected == 0) {
				t.Errorf("%s: the generated data lacks some kind of dossier: %+v", name, got.Total)
			}
			overdue += got.Total.Overdue
		}
		if overdue == 0 {
			t.Error("no generated dossier overdue at the end of any period")
		}
		// Accepting a real dossier afterwards does not reuse a generated number.
		d := e.accepted(e.citizen("Sau"), e.birth("Bé Sau"), at("2026-05-04 09:00"))
		if n := e.count(`SELECT COUNT(*) FROM dossiers WHERE code = ?`, d.Code); n != 1 {
			t.Errorf("code %s given %d times", d.Code, n)
		}
	})
}

// The register book of a desk lists every dossier it accepted in the
// year, in order, numbered from 1; reading it is audited per dossier, and
// only the desk's side may read it.
func TestRegisterBook(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		r := rand.New(rand.NewPCG(11, 5))
		for n := range 12 {
			e.journey(r, n, at("2026-03-02 08:00").Add(time.Duration(r.IntN(24*20))*time.Hour))
		}
		desk := e.official("badinh.tiepnhan")
		before := e.rows("audit_log")
		book, err := e.stats.RegisterBook(e.ctx, desk, baDinhCentre, 2026)
		if err != nil {
			t.Fatal(err)
		}
		want := e.count(`SELECT COUNT(*) FROM dossiers WHERE receiving_agency_id = ? AND received_at IS NOT NULL`, e.agency(baDinhCentre).ID)
		if len(book.Entries) != want || want == 0 {
			t.Fatalf("%d entries, %d dossiers accepted", len(book.Entries), want)
		}
		for i, en := range book.Entries {
			if en.No != i+1 || en.Code == "" || en.Applicant == "" || (i > 0 && en.Received.Before(book.Entries[i-1].Received)) {
				t.Errorf("entry %d: %+v", i, en)
			}
		}
		if got := e.rows("audit_log") - before; got != want {
			t.Errorf("%d audit records for %d dossiers read", got, want)
		}
		// A page reads (and audits) only its entries; numbering continues.
		before = e.rows("audit_log")
		page, total, err := e.stats.RegisterBookPage(e.ctx, desk, baDinhCentre, 2026, 2, 3)
		if err != nil || total != want || len(page.Entries) != min(3, want-2) || page.Entries[0].No != 3 || page.Entries[0].Code != book.Entries[2].Code {
			t.Errorf("page from the third entry: %d entries of %d, %v", len(page.Entries), total, err)
		}
		if got := e.rows("audit_log") - before; got != len(page.Entries) {
			t.Errorf("%d audit records for a page of %d", got, len(page.Entries))
		}
		if other, err := e.stats.RegisterBook(e.ctx, desk, baDinhCentre, 2025); err != nil || len(other.Entries) != 0 {
			t.Errorf("2025: %d entries, %v", len(other.Entries), err)
		}
		stranger := e.account("hk.tiepnhan", hoanKiem, authz.ReceptionOfficer)
		if _, err := e.stats.RegisterBook(e.ctx, stranger, baDinhCentre, 2026); !errs.Is(err, errs.Forbidden) {
			t.Errorf("another desk's officer: %v", err)
		}
		if _, err := e.stats.RegisterBook(e.ctx, desk, "H99", 2026); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown agency: %v", err)
		}
		var buf bytes.Buffer
		if err := report.BookXLSX(&buf, book); err != nil {
			t.Fatal(err)
		}
		if _, err := forms.RegisterBook(book); err != nil {
			t.Fatal(err)
		}
	})
}

// A periodic report: defined by the recipient, pre-filled from the
// statistics, corrected with reasons, signed by a leader of the agency,
// frozen after, and added up into the report of the agency above.
func TestPeriodicReport(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		r := rand.New(rand.NewPCG(21, 8))
		for n := range 14 {
			e.journey(r, n, at("2026-01-05 08:00").Add(time.Duration(r.IntN(24*50))*time.Hour))
		}
		e.clk.Set(at("2026-03-16 09:00"))
		def, err := e.stats.CreateDefinition(e.ctx, operator, report.DefinitionInput{Code: "BC-TTHC-QUY", NameVI: "Báo cáo tình hình giải quyết TTHC quý",
			Indicators: []string{"received", "resolved", "late", "overdue"}, PeriodKind: report.Quarter, DeadlineDays: 3, RecipientCode: "H26"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.stats.CreateDefinition(e.ctx, operator, report.DefinitionInput{Code: def.Code, NameVI: "x", Indicators: []string{"received"},
			PeriodKind: report.Quarter, RecipientCode: "H26"}); !errs.Is(err, errs.Conflict) {
			t.Errorf("same code twice: %v", err)
		}
		if _, err := e.stats.CreateDefinition(e.ctx, e.official("badinh.chuyenvien"), report.DefinitionInput{Code: "X1", NameVI: "x",
			Indicators: []string{"received"}, PeriodKind: report.Quarter, RecipientCode: "H26"}); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a specialist defines a report: %v", err)
		}
		leader, head := e.official("badinh.lanhdao"), e.official("badinh.truongphong")
		in, err := e.stats.Open(e.ctx, leader, def.Code, baDinh, "2026-Q1")
		if err != nil {
			t.Fatal(err)
		}
		q1, _ := report.ParsePeriod("2026-Q1")
		st, err := e.stats.Stats(e.ctx, leader, report.Query{Agency: baDinh, Period: q1})
		if err != nil {
			t.Fatal(err)
		}
		for _, ind := range def.Indicators {
			v, _ := st.Total.Value(ind)
			if in.Data[ind] != int64(v) || in.Values[ind] != int64(v) {
				t.Errorf("%s: pre-filled %d/%d, statistics %g", ind, in.Data[ind], in.Values[ind], v)
			}
		}
		if in.Status != report.Draft || in.Due.String() != "2026-03-17" || in.Overdue || st.Total.Received == 0 {
			t.Errorf("instance %+v", in)
		}
		// Corrections need a reason; the unit head may make them.
		if _, err := e.stats.Edit(e.ctx, head, def.Code, baDinh, "2026-Q1", in.Version, map[string]report.Override{"late": {Value: 9}}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a correction without a reason: %v", err)
		}
		in, err = e.stats.Edit(e.ctx, head, def.Code, baDinh, "2026-Q1", in.Version, map[string]report.Override{"late": {Value: 9, Note: "Gồm 2 hồ sơ giấy chưa nhập"}})
		if err != nil {
			t.Fatal(err)
		}
		if in.Values["late"] != 9 || in.Data["late"] == 9 && st.Total.Late != 9 {
			t.Errorf("after the correction: %+v", in.Values)
		}
		// Only a leader signs.
		if _, err := e.stats.Sign(e.ctx, head, def.Code, baDinh, "2026-Q1", in.Version); !errs.Is(err, errs.Forbidden) {
			t.Errorf("the unit head signs: %v", err)
		}
		e.clk.Set(at("2026-03-18 09:00"))
		if in, _ = e.stats.Open(e.ctx, leader, def.Code, baDinh, "2026-Q1"); !in.Overdue {
			t.Error("unsigned after its deadline, not flagged")
		}
		signed, err := e.stats.Sign(e.ctx, leader, def.Code, baDinh, "2026-Q1", in.Version)
		if err != nil {
			t.Fatal(err)
		}
		if signed.Status != report.Signed || signed.Overdue || signed.SignedBy == "" || signed.Values["late"] != 9 {
			t.Errorf("signed: %+v", signed)
		}
		if _, err := e.stats.Edit(e.ctx, head, def.Code, baDinh, "2026-Q1", signed.Version, map[string]report.Override{"late": {Value: 1, Note: "x"}}); !errs.Is(err, errs.Conflict) {
			t.Errorf("an edit after sign-off: %v", err)
		}
		// Later dossiers do not change a signed report.
		e.journey(r, 99, at("2026-03-02 08:00"))
		again, _ := e.stats.Open(e.ctx, leader, def.Code, baDinh, "2026-Q1")
		if diff := cmp.Diff(signed.Values, again.Values); diff != "" {
			t.Errorf("a signed report changed:\n%s", diff)
		}
		// The province's report adds up its agencies, Ba Đình's as signed.
		prov, err := e.stats.Open(e.ctx, operator, def.Code, "H26", "2026-Q1")
		if err != nil {
			t.Fatal(err)
		}
		all, _ := e.stats.Stats(e.ctx, operator, report.Query{Agency: "H26", Period: q1})
		own, _ := e.stats.Stats(e.ctx, operator, report.Query{Agency: baDinh, Period: q1})
		if want := all.Total.Late - own.Total.Late + 9; prov.Values["late"] != want {
			t.Errorf("province late %d, want %d (all %d, Ba Đình's data %d replaced by its signed 9)", prov.Values["late"], want, all.Total.Late, own.Total.Late)
		}
		var baDinhChild *report.ChildReport
		for i, c := range prov.Children {
			if c.Agency.Code.String() == "H26.50" {
				baDinhChild = &prov.Children[i]
			}
		}
		if baDinhChild == nil || baDinhChild.Status != report.Signed {
			t.Errorf("children: %+v", prov.Children)
		}
		if _, err := e.stats.Open(e.ctx, leader, def.Code, baDinh, "2026-03"); !errs.Is(err, errs.Invalid) {
			t.Errorf("a month for a quarterly report: %v", err)
		}
	})
}

// paper receives an application at the Ba Đình counter at t; the desk
// scans the papers (its components are digitised).
func (e *env) paper(c *authz.Principal, a dossier.Application, t time.Time) dossier.Dossier {
	e.t.Helper()
	a.Channel, a.Applicant.NationalID = "counter", c.NationalID
	e.clk.Set(t)
	d, err := e.svc.ReceivePaper(e.ctx, e.official("badinh.tiepnhan"), a, dossier.Accept, dossier.Input{}, "paper-"+strconv.FormatInt(keys.Add(1), 10))
	if err != nil {
		e.t.Fatalf("ReceivePaper: %v", err)
	}
	return d
}

// TestStatsByHand is a small data set counted by hand, for the reporting
// month 2026-04 of ND 09/2019 (15/3–14/4/2026), at the Ba Đình desk.
// Working hours 08:00–12:00 and 13:00–17:00; no holiday in the range.
//
//	(At the counter the desk scans the papers: every counter dossier has digitised components.)
//	I  birth, counter, accepted Fri 13/3 09:00 (due Mon 16/3 09:00), result Mon 16/3 08:30:
//	   carried over; on time; 7 h + 0.5 h = 0.9375 working days
//	A  birth, online (toàn trình), accepted Mon 16/3 09:00 (due Tue 17/3 09:00), result 15:00:
//	   early; 5 h = 0.625 days; returned Tue 17/3 10:00, rated satisfied 11:00
//	B  re-registration (5 days), counter, accepted Tue 17/3 10:00;
//	   supplement asked Wed 18/3 09:00, back Fri 20/3 09:00 (due restarts: Fri 27/3 09:00);
//	   result Thu 26/3 14:00: early; 7+8+8+8+5 h = 4.5 days from the restart;
//	   returned Fri 27/3 09:00, rated neutral 10:00
//	C  re-registration, online (một phần), accepted Wed 18/3 09:00 (due Wed 25/3 09:00);
//	   payment asked Thu 19/3 09:00, paid 11:00 (due Wed 25/3 11:00); apology and extension
//	   Mon 23/3 to Wed 1/4 (17:00); result Wed 1/4 10:00: on time;
//	   7+6+8+40+8+8+2 h = 9.875 days; not returned in the period
//	D  birth, online, accepted Thu 19/3 09:00 (due Fri 20/3 09:00), result Mon 23/3 10:00:
//	   late; 7+8+2 h = 2.125 days; returned 11:00, rated unsatisfied 14:00
//	E  birth, counter, accepted Fri 20/3 09:00, withdrawn 14:00
//	F  birth, online, refused at the desk Mon 23/3 09:00 (never received)
//	H  birth, online, accepted Fri 10/4 09:00 (due Mon 13/4 09:00): open and overdue on 14/4
//	G  re-registration, counter, accepted Mon 13/4 09:00 (due Mon 20/4 09:00): open, in time
//	J  birth, online, accepted Wed 15/4 09:00: after the period, not counted
func TestStatsByHand(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		desk, head, leader := e.official("badinh.tiepnhan"), e.official("badinh.truongphong"), e.official("badinh.lanhdao")
		result := func(d *dossier.Dossier, when string) {
			e.clk.Set(at(when))
			e.issue(d)
		}
		ret := func(d *dossier.Dossier, when string) {
			e.clk.Set(at(when))
			e.do(desk, d, dossier.ReturnResult, dossier.Input{ReturnChannel: "counter"})
		}
		rate := func(c *authz.Principal, d *dossier.Dossier, when, rating string) {
			e.clk.Set(at(when))
			e.do(c, d, dossier.Rate, dossier.Input{Rating: rating})
		}
		cI := e.citizen("I")
		dI := e.paper(cI, e.birth("I"), at("2026-03-13 09:00"))
		result(&dI, "2026-03-16 08:30")

		cA := e.citizen("A")
		dA := e.accepted(cA, e.birth("A"), at("2026-03-16 09:00"))
		result(&dA, "2026-03-16 15:00")
		ret(&dA, "2026-03-17 10:00")
		rate(cA, &dA, "2026-03-17 11:00", "satisfied")

		cB := e.citizen("B")
		dB := e.paper(cB, e.reRegistration("B"), at("2026-03-17 10:00"))
		e.clk.Set(at("2026-03-18 09:00"))
		e.do(e.official("badinh.chuyenvien"), &dB, dossier.RequestSupplement, dossier.Input{Missing: []string{"Bản sao giấy tờ tùy thân"}})
		e.clk.Set(at("2026-03-20 09:00"))
		e.do(desk, &dB, dossier.SupplementReceived, dossier.Input{})
		if got := show(dB.DueAt); got != show(at("2026-03-27 09:00")) {
			t.Fatalf("B's restarted deadline %s", got)
		}
		result(&dB, "2026-03-26 14:00")
		ret(&dB, "2026-03-27 09:00")
		rate(cB, &dB, "2026-03-27 10:00", "neutral")

		cC := e.citizen("C")
		dC := e.accepted(cC, e.reRegistration("C"), at("2026-03-18 09:00"))
		e.clk.Set(at("2026-03-19 09:00"))
		e.do(e.official("badinh.chuyenvien"), &dC, dossier.RequestPayment, dossier.Input{Amount: 5000})
		e.clk.Set(at("2026-03-19 11:00"))
		e.do(desk, &dC, dossier.MarkPaid, dossier.Input{})
		e.clk.Set(at("2026-03-23 09:00"))
		e.do(head, &dC, dossier.Extend, dossier.Input{Reason: "Cần xác minh", NewDue: at("2026-04-01 00:00")})
		if got := show(dC.DueAt); got != show(at("2026-04-01 17:00")) {
			t.Fatalf("C's extended deadline %s", got)
		}
		result(&dC, "2026-04-01 10:00")

		cD := e.citizen("D")
		dD := e.accepted(cD, e.birth("D"), at("2026-03-19 09:00"))
		result(&dD, "2026-03-23 10:00")
		ret(&dD, "2026-03-23 11:00")
		rate(cD, &dD, "2026-03-23 14:00", "unsatisfied")

		cE := e.citizen("E")
		dE := e.paper(cE, e.birth("E"), at("2026-03-20 09:00"))
		e.clk.Set(at("2026-03-20 14:00"))
		e.do(desk, &dE, dossier.Withdraw, dossier.Input{Reason: "Người nộp rút hồ sơ"})

		cF := e.citizen("F")
		e.clk.Set(at("2026-03-23 08:00"))
		dF := e.submit(cF, e.birth("F"))
		e.clk.Set(at("2026-03-23 09:00"))
		dF = e.get(desk, dF.ID)
		e.do(desk, &dF, dossier.RejectAtDesk, dossier.Input{Reason: "Không thuộc thẩm quyền"})

		e.accepted(e.citizen("H"), e.birth("H"), at("2026-04-10 09:00"))
		e.paper(e.citizen("G"), e.reRegistration("G"), at("2026-04-13 09:00"))
		e.accepted(e.citizen("J"), e.birth("J"), at("2026-04-15 09:00"))

		month, _ := report.ParsePeriod("2026-04")
		got, err := e.stats.Stats(e.ctx, leader, report.Query{Agency: baDinh, Period: month})
		if err != nil {
			t.Fatal(err)
		}
		want := report.Figures{
			CarriedOver: 1,                                                                                         // I
			Received:    7, ReceivedCounter: 3, ReceivedOnline: 4, ReceivedOnlineFull: 3, ReceivedOnlinePartial: 1, // A B C D E G H
			Resolved: 5, Early: 2, OnTime: 2, Late: 1, // A B | C I | D
			Withdrawn: 1, Rejected: 1, Returned: 3, // E | F | A B D
			InProgress: 2, InProgressOnTime: 1, Overdue: 1, // G | H
			Digitized: 3, WithFee: 1, Electronic: 5, // B E G | C | A B C D I
			RatedSatisfied: 1, RatedNeutral: 1, RatedUnsatisfied: 1,
			WorkDaysSum:  0.9375 + 0.625 + 4.5 + 9.875 + 2.125,
			LegalDaysSum: 1 + 1 + 5 + 5 + 1,
		}
		if diff := cmp.Diff(want, got.Total, cmpopts.EquateApprox(0, 1e-6)); diff != "" {
			t.Errorf("counted by hand (-want +got):\n%s", diff)
		}
		// The 766 data points of the same month.
		ix, err := e.stats.Index766(e.ctx, leader, report.Query{Agency: baDinh, Period: month})
		if err != nil {
			t.Fatal(err)
		}
		points := map[string][2]float64{
			"on_time_rate":           {4, 5},
			"time_vs_legal":          {18.0625, 13},
			"digitized_rate":         {3, 7},
			"electronic_result_rate": {5, 5},
			"reuse_rate":             {0, 7},
			"online_rate":            {4, 7},
			"online_full_rate":       {3, 4},
			"online_payment_rate":    {0, 1},
			"satisfaction_rate":      {1, 3},
		}
		for _, g := range ix.Index.Groups {
			for _, it := range g.Items {
				w, ok := points[it.Code]
				if !ok {
					if it.Value.Available {
						t.Errorf("%s: available %+v", it.Code, it.Value)
					}
					continue
				}
				if !it.Value.Available || it.Value.Num-w[0] > 1e-6 || w[0]-it.Value.Num > 1e-6 || it.Value.Den != w[1] {
					t.Errorf("%s: %g/%g, counted by hand %g/%g", it.Code, it.Value.Num, it.Value.Den, w[0], w[1])
				}
			}
		}
	})
}

// A database migrated to the statistics with dossiers already in it gets
// their facts at start (RebuildFacts): every figure is back, but for the
// overdue dossiers of past periods, whose history is not replayed.
func TestRebuildFacts(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		r := rand.New(rand.NewPCG(5, 55))
		for n := range 25 {
			e.journey(r, n, at("2026-01-05 08:00").Add(time.Duration(r.IntN(24*60))*time.Hour))
		}
		var periods []report.Period
		for _, name := range []string{"2026-01", "2026-02", "2026-Q1", "2026"} {
			p, _ := report.ParsePeriod(name)
			periods = append(periods, p)
		}
		before := map[string]report.Figures{}
		for _, p := range periods {
			res, err := e.stats.Stats(e.ctx, operator, report.Query{Period: p})
			if err != nil {
				t.Fatal(err)
			}
			before[p.String()] = res.Total
		}
		e.exec(`DELETE FROM stat_days`)
		e.exec(`DELETE FROM dossier_facts`)
		n, err := e.svc.RebuildFacts(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if want := e.count(`SELECT COUNT(*) FROM dossiers WHERE received_at IS NOT NULL OR status = 'rejected'`); n != want || n == 0 {
			t.Errorf("%d rebuilt, %d dossiers known to the statistics", n, want)
		}
		if again, _ := e.svc.RebuildFacts(e.ctx); again != 0 {
			t.Errorf("a second rebuild did %d", again)
		}
		for i, p := range periods {
			res, err := e.stats.Stats(e.ctx, operator, report.Query{Period: p})
			if err != nil {
				t.Fatal(err)
			}
			opts := []cmp.Option{cmpopts.EquateApprox(0, 1e-6)}
			if i < len(periods)-1 {
				// Past periods: the overdue history is not rebuilt.
				opts = append(opts, cmpopts.IgnoreFields(report.Figures{}, "Overdue", "InProgressOnTime"))
			}
			if diff := cmp.Diff(before[p.String()], res.Total, opts...); diff != "" {
				t.Errorf("%s after the rebuild (-before +after):\n%s", p, diff)
			}
		}
	})
}

// A database whose facts predate the runs of overdue days (migration 0009)
// gets them from the events (BackfillOverdueRuns): the same runs the
// recorder keeps as the changes happen, and the same lists meanwhile.
func TestBackfillOverdueRuns(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		r := rand.New(rand.NewPCG(9, 99))
		for n := range 40 {
			e.journey(r, n, at("2026-01-05 08:00").Add(time.Duration(r.IntN(24*80))*time.Hour))
		}
		// The deadline watcher's flags are events the recorder does not see.
		e.clk.Set(at("2026-06-30 10:00"))
		for range 3 {
			if _, _, err := e.svc.Watch(e.ctx, "test", &staffNotes{}); err != nil {
				t.Fatal(err)
			}
		}
		if e.count(`SELECT COUNT(*) FROM dossier_events WHERE action LIKE 'flag_%'`) == 0 {
			t.Fatal("the watcher flagged nothing")
		}
		runs := func() map[int64][3]int64 {
			rows, err := e.d.QueryContext(e.ctx, `SELECT dossier_id, COALESCE(overdue_from, 0), COALESCE(overdue_to, 0), COALESCE(overdue_runs, -1) FROM dossier_facts`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			out := map[int64][3]int64{}
			for rows.Next() {
				var id int64
				var v [3]int64
				if err := rows.Scan(&id, &v[0], &v[1], &v[2]); err != nil {
					t.Fatal(err)
				}
				out[id] = v
			}
			return out
		}
		recorded := runs()
		several := 0
		for _, v := range recorded {
			if v[2] < 0 {
				t.Fatalf("the recorder left runs unknown: %v", recorded)
			}
			if v[2] > 0 {
				several++
			}
		}
		if several == 0 {
			t.Fatal("no dossier was ever overdue before its last change: the comparison proves nothing")
		}
		var lists []report.Period
		for _, name := range []string{"2026-01", "2026-02", "2026-03", "2026-Q1"} {
			p, _ := report.ParsePeriod(name)
			lists = append(lists, p)
		}
		listed := func() map[string]int {
			out := map[string]int{}
			for _, p := range lists {
				for _, m := range []string{"overdue", "in_progress_on_time", "carried_over"} {
					for page := 0; ; page++ {
						items, more, err := e.stats.Dossiers(e.ctx, operator, report.Query{Period: p}, m, page)
						if err != nil {
							t.Fatal(err)
						}
						out[p.String()+" "+m] += len(items)
						if !more {
							break
						}
					}
				}
			}
			return out
		}
		want := listed()
		// As migration 0009 leaves an older database.
		e.exec(`UPDATE dossier_facts SET overdue_from = NULL, overdue_to = NULL, overdue_runs = NULL`)
		if diff := cmp.Diff(want, listed()); diff != "" {
			t.Errorf("lists without runs (replayed) (-with runs +without):\n%s", diff)
		}
		var calls int
		n, err := e.stats.BackfillOverdueRuns(e.ctx, func(int) { calls++ })
		if err != nil {
			t.Fatal(err)
		}
		if n != len(recorded) || calls == 0 {
			t.Errorf("back-fill filled %d rows in %d batches, want %d", n, calls, len(recorded))
		}
		if diff := cmp.Diff(recorded, runs()); diff != "" {
			t.Errorf("runs (-recorded +back-filled):\n%s", diff)
		}
		if diff := cmp.Diff(want, listed()); diff != "" {
			t.Errorf("lists after the back-fill (-before +after):\n%s", diff)
		}
		// Done once: a later start does nothing, even for a row left
		// without runs (the lists replay it).
		e.exec(`UPDATE dossier_facts SET overdue_runs = NULL`)
		if n, err := e.stats.BackfillOverdueRuns(e.ctx, nil); err != nil || n != 0 {
			t.Errorf("second back-fill: %d, %v", n, err)
		}
	})
}
