package dossier_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
)

func TestAcceptanceCodes(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk := e.official("badinh.tiepnhan")
		hkDesk := e.account("hoankiem.tiepnhan", hoanKiem, authz.ReceptionOfficer)
		atHoanKiem := func() dossier.Application {
			a := e.birth("Bé Hà")
			a.AgencyCode = hoanKiem
			return a
		}
		tests := []struct {
			desk *authz.Principal
			app  func() dossier.Application
			when time.Time
			want string
		}{
			{desk, func() dossier.Application { return e.birth("Bé Một") }, at("2026-04-24 09:00"), "000.01.50.H26-260424-0001"},
			{desk, func() dossier.Application { return e.reRegistration("Người Hai") }, at("2026-04-24 10:00"), "000.01.50.H26-260424-0002"},
			// Another agency counts on its own.
			{hkDesk, atHoanKiem, at("2026-04-24 10:30"), "000.01.51.H26-260424-0001"},
			// After the 15:00 cut-off the receiving date is still the day.
			{desk, func() dossier.Application { return e.birth("Bé Ba") }, at("2026-04-24 16:30"), "000.01.50.H26-260424-0003"},
			// The next day starts again at 1; the date is the one in Hà Nội
			// (23:30 UTC on 27 April is 06:30 on the 28th).
			{desk, func() dossier.Application { return e.birth("Bé Bốn") }, time.Date(2026, 4, 27, 23, 30, 0, 0, time.UTC), "000.01.50.H26-260428-0001"},
			{desk, func() dossier.Application { return e.birth("Bé Năm") }, at("2026-04-28 09:00"), "000.01.50.H26-260428-0002"},
			{hkDesk, atHoanKiem, at("2026-04-28 09:00"), "000.01.51.H26-260428-0001"},
		}
		for _, tt := range tests {
			d := e.acceptedBy(tt.desk, c, tt.app(), tt.when)
			if d.Code != tt.want {
				t.Errorf("accepted at %s by %s: code %q, want %q", show(tt.when), tt.desk.Username, d.Code, tt.want)
			}
			if _, _, ok := dossier.ParseCode(d.Code); !ok {
				t.Errorf("code %q does not parse", d.Code)
			}
			if got := e.get(c, d.ID); got.Code != tt.want {
				t.Errorf("stored code %q", got.Code)
			}
		}

		// Format B (TT 04/2025) for an agency configured so.
		e.exec(`UPDATE agencies SET dossier_code_format = 'B', dossier_code_owner = '07' WHERE code = ?`, baDinhCentre)
		for i, want := range []string{"H26.50.01-260429-070001", "H26.50.01-260429-070002"} {
			d := e.accepted(c, e.birth("Bé B"), at("2026-04-29 09:00").Add(time.Duration(i)*time.Minute))
			if d.Code != want {
				t.Errorf("format B: %q, want %q", d.Code, want)
			}
			if f, _, ok := dossier.ParseCode(d.Code); !ok || f != dossier.FormatB {
				t.Errorf("format B code %q parses as %v %v", d.Code, f, ok)
			}
		}
	})
}

// TestAcceptanceCodeWithoutLegacyForm: a desk whose electronic code has a
// group wider than QCVN 102 allows cannot number in format A, and falls
// back to format B.
func TestAcceptanceCodeWithoutLegacyForm(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		if _, err := e.agencies.Create(e.ctx, operator, agency.Input{Code: "H26.50.101", ParentCode: baDinh, Kind: agency.ServiceCentre, Tier: "commune",
			NameVI: "Điểm tiếp nhận số 2 phường Ba Đình", AdminUnitCode: "00004", Active: true}); err != nil {
			t.Fatal(err)
		}
		if got := e.agency("H26.50.101").Code.LegacyForm(); got != "" {
			t.Fatalf("H26.50.101 has a legacy form %q", got)
		}
		adm, err := e.catalog.AdminView(e.ctx, operator, khaiSinh)
		if err != nil {
			t.Fatal(err)
		}
		doc := adm.Versions[0].Doc
		doc.Receivers = append(doc.Receivers, "H26.50.101")
		if _, err := e.catalog.SaveDraft(e.ctx, operator, doc, adm.Lock); err != nil {
			t.Fatal(err)
		}
		if _, err := e.catalog.Publish(e.ctx, operator, khaiSinh); err != nil {
			t.Fatal(err)
		}
		desk := e.account("badinh2.tiepnhan", "H26.50.101", authz.ReceptionOfficer)
		a := e.birth("Bé Na")
		a.AgencyCode = "H26.50.101"
		d := e.acceptedBy(desk, e.citizen("Nguyễn Văn An"), a, at("2026-04-24 09:00"))
		if d.Code != "H26.50.101-260424-000001" {
			t.Errorf("code %q, want H26.50.101-260424-000001", d.Code)
		}
		if d.ProcedureVersion != 2 || d.ProcessingAgency != e.agency(baDinh).ID {
			t.Errorf("version %d, processing agency %d", d.ProcedureVersion, d.ProcessingAgency)
		}
	})
}

func TestAcceptanceAppointment(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		tests := []struct {
			name string
			app  func() dossier.Application
			when string
			due  string
		}{
			// Friday 24/4/2026 16:00 is after the cut-off; 25–27/4 are a
			// weekend and the Hùng Kings' day in lieu, 30/4–1/5 holidays and
			// 2–3/5 a weekend: 28, 29, 4, 5, 6 → 6/5 at the end of the day.
			{"5 days, Friday after 15:00", func() dossier.Application { return e.reRegistration("Lê Văn Cường") }, "2026-04-24 16:00", "2026-05-06 17:00"},
			{"1 day, Friday after 15:00", func() dossier.Application { return e.birth("Bé Na") }, "2026-04-24 16:00", "2026-04-28 17:00"},
			{"1 day, Friday before 15:00", func() dossier.Application { return e.birth("Bé Na") }, "2026-04-24 14:59", "2026-04-28 14:59"},
			{"1 day, Monday morning", func() dossier.Application { return e.birth("Bé Na") }, "2026-03-02 09:00", "2026-03-03 09:00"},
			// Saturday 22/8/2026 is a make-up working day (for Monday 31/8).
			{"1 day, on a make-up Saturday", func() dossier.Application { return e.birth("Bé Na") }, "2026-08-22 09:00", "2026-08-24 09:00"},
			// 31/8 (swapped), 1/9 and 2/9 (National Day) are off.
			{"1 day, before National Day", func() dossier.Application { return e.birth("Bé Na") }, "2026-08-28 10:00", "2026-09-03 10:00"},
			// Received on a Sunday: counting starts on Monday morning.
			{"1 day, on a Sunday", func() dossier.Application { return e.birth("Bé Na") }, "2026-03-08 10:00", "2026-03-09 17:00"},
		}
		for _, tt := range tests {
			d := e.accepted(c, tt.app(), at(tt.when))
			if !d.DueAt.Equal(at(tt.due)) || !d.OriginalDueAt.Equal(at(tt.due)) {
				t.Errorf("%s: due %s (original %s), want %s", tt.name, show(d.DueAt), show(d.OriginalDueAt), tt.due)
			}
			if d.Status != dossier.Processing || d.Status.External() != 4 || d.Step != 1 || !d.ReceivedAt.Equal(at(tt.when)) ||
				d.ProcessingAgency != e.agency(baDinh).ID || d.ReceivingAgency != e.agency(baDinhCentre).ID || d.StepDueAt.IsZero() ||
				d.LastHandlerID != e.official("badinh.tiepnhan").ID {
				t.Errorf("%s: accepted dossier %+v", tt.name, d)
			}
			got := e.get(c, d.ID)
			ev := event(t, got, dossier.Accept)
			if !ev.DueAfter.Equal(at(tt.due)) || !ev.DueBefore.IsZero() || ev.From != dossier.Submitted || ev.To != dossier.Processing ||
				ev.Data["code"] != d.Code || !ev.At.Equal(at(tt.when)) {
				t.Errorf("%s: accept event %+v", tt.name, ev)
			}
			if n := e.notes.last(); n.Topic != "accepted" || n.Code != d.Code {
				t.Errorf("%s: notice %+v", tt.name, n)
			}
			if n := e.count(`SELECT COUNT(*) FROM outbox WHERE topic = 'accepted' AND ref = ?`, d.Code); n != 1 {
				t.Errorf("%s: %d accepted messages in the outbox", tt.name, n)
			}
			// Accepting again is not possible.
			wantErr(t, e.try(e.official("badinh.tiepnhan"), d, dossier.Accept, dossier.Input{}), errs.Conflict, "dossier.action.not_allowed")
		}
	})
}

func TestProcessingPath(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk, spec, head, lead := e.official("badinh.tiepnhan"), e.official("badinh.chuyenvien"), e.official("badinh.truongphong"), e.official("badinh.lanhdao")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		// The specialist's step takes 4 working hours: 09:00 → 14:00 over lunch.
		if d.Step != 1 || !d.StepDueAt.Equal(at("2026-03-02 14:00")) {
			t.Errorf("step %d due %s", d.Step, show(d.StepDueAt))
		}
		e.clk.Set(at("2026-03-02 09:30"))
		e.do(spec, &d, dossier.Claim, dossier.Input{})
		if d.AssigneeID != spec.ID {
			t.Errorf("claimed by %d", d.AssigneeID)
		}
		e.clk.Set(at("2026-03-02 10:00"))
		e.do(spec, &d, dossier.Forward, dossier.Input{Comment: "Đủ điều kiện"})
		if d.Step != 2 || d.AssigneeID != 0 || d.LastHandlerID != spec.ID || !d.StepDueAt.Equal(at("2026-03-02 11:00")) {
			t.Errorf("after forward: step %d assignee %d handler %d step due %s", d.Step, d.AssigneeID, d.LastHandlerID, show(d.StepDueAt))
		}
		// At the unit head's step, only an approval moves on.
		wantErr(t, e.try(lead, d, dossier.Sign, dossier.Input{}), errs.Conflict, "dossier.step.out_of_order")
		wantErr(t, e.try(head, d, dossier.Forward, dossier.Input{}), errs.Conflict, "dossier.step.out_of_order")
		wantErr(t, e.try(desk, d, dossier.IssueResult, dossier.Input{}), errs.Conflict, "dossier.step.out_of_order")
		wantErr(t, e.try(spec, d, dossier.Approve, dossier.Input{}), errs.Forbidden, "dossier.role")
		wantErr(t, e.try(spec, d, dossier.Claim, dossier.Input{}), errs.Forbidden, "dossier.step.role")
		// Sent back, the dossier goes to the specialist who forwarded it.
		e.do(head, &d, dossier.SendBack, dossier.Input{Comment: "Bổ sung ý kiến"})
		if d.Step != 1 || d.AssigneeID != spec.ID {
			t.Errorf("after send back: step %d assignee %d", d.Step, d.AssigneeID)
		}
		wantErr(t, e.try(spec, d, dossier.SendBack, dossier.Input{}), errs.Conflict, "dossier.step.first")
		e.do(spec, &d, dossier.Forward, dossier.Input{})
		e.do(head, &d, dossier.Approve, dossier.Input{})
		if d.Step != 3 {
			t.Errorf("after approval: step %d", d.Step)
		}
		wantErr(t, e.try(head, d, dossier.Approve, dossier.Input{}), errs.Conflict, "dossier.step.out_of_order")
		wantErr(t, e.try(desk, d, dossier.IssueResult, dossier.Input{}), errs.Conflict, "dossier.step.out_of_order")
		e.do(lead, &d, dossier.Sign, dossier.Input{})
		if d.Step != 4 {
			t.Errorf("after signature: step %d", d.Step)
		}
		wantErr(t, e.try(c, d, dossier.Rate, dossier.Input{Rating: "satisfied"}), errs.Conflict, "dossier.action.not_allowed")

		e.clk.Set(at("2026-03-02 15:00"))
		e.do(desk, &d, dossier.IssueResult, dossier.Input{Files: []dossier.FileRef{{SHA256: e.put("trích lục khai sinh"), Name: "trich-luc.pdf", ContentType: "application/pdf"}}})
		if d.Status != dossier.ResultReady || d.Status.External() != 9 || !d.FinishedAt.Equal(at("2026-03-02 15:00")) || d.ResultKind != "result" ||
			d.Timeliness != dossier.Early {
			t.Errorf("result: status %s finished %s kind %q timeliness %q", d.Status, show(d.FinishedAt), d.ResultKind, d.Timeliness)
		}
		wantErr(t, e.try(spec, d, dossier.Forward, dossier.Input{}), errs.Conflict, "dossier.action.not_allowed")
		wantErr(t, e.try(c, d, dossier.Withdraw, dossier.Input{}), errs.Conflict, "dossier.action.not_allowed")

		e.clk.Set(at("2026-03-03 08:15"))
		if err := e.try(desk, d, dossier.ReturnResult, dossier.Input{ReturnChannel: "fax"}); !maps1(fieldKeys(t, err), "return_channel", "catalog.unknown_value") {
			t.Errorf("return by fax: %v", err)
		}
		e.do(desk, &d, dossier.ReturnResult, dossier.Input{ReturnChannel: "online"})
		if d.Status != dossier.Returned || d.Status.External() != 10 || !d.ReturnedAt.Equal(at("2026-03-03 08:15")) {
			t.Errorf("returned: %s at %s", d.Status, show(d.ReturnedAt))
		}

		// Rating: the applicant, once.
		wantErr(t, e.try(e.citizen("Người khác"), d, dossier.Rate, dossier.Input{Rating: "satisfied"}), errs.NotFound, "dossier.not_found")
		wantErr(t, e.try(desk, d, dossier.Rate, dossier.Input{Rating: "satisfied"}), errs.Forbidden, "")
		if err := e.try(c, d, dossier.Rate, dossier.Input{Rating: "great"}); !maps1(fieldKeys(t, err), "rating", "catalog.unknown_value") {
			t.Errorf("unknown rating: %v", err)
		}
		e.do(c, &d, dossier.Rate, dossier.Input{Rating: "satisfied", Comment: "Nhanh gọn"})
		wantErr(t, e.try(c, d, dossier.Rate, dossier.Input{Rating: "unsatisfied"}), errs.Conflict, "dossier.rate.once")
		if n := e.count(`SELECT COUNT(*) FROM dossier_ratings WHERE dossier_id = ? AND rating = 'satisfied'`, d.ID); n != 1 {
			t.Errorf("%d ratings", n)
		}

		got := e.get(c, d.ID)
		var actions []string
		for _, ev := range got.Events {
			actions = append(actions, ev.Action)
		}
		want := []string{"submit", "accept", "claim", "forward", "send_back", "forward", "approve", "sign", "issue_result", "return_result", "rate"}
		if !slices.Equal(actions, want) {
			t.Errorf("history %v, want %v", actions, want)
		}
		if ev := event(t, got, dossier.Forward); ev.ActorName != spec.Name || ev.Step != 1 {
			t.Errorf("forward event %+v", ev)
		}
		if len(got.Files) != 2 || got.Files[1].Kind != "result" {
			t.Errorf("files %+v", got.Files)
		}
		if topics := e.notes.topics(d.Code); !slices.Equal(topics, []string{"accepted", "result_ready"}) {
			t.Errorf("notices %v", topics)
		}
	})
}

// maps1 reports whether m is exactly {k: v}.
func maps1(m map[string]string, k, v string) bool { return len(m) == 1 && m[k] == v }

func TestActWho(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		other := e.citizen("Phạm Thị Dung")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		hkDesk := e.account("hoankiem.tiepnhan", hoanKiem, authz.ReceptionOfficer)
		pending := e.submit(c, e.birth("Bé Bông"))
		pending = e.get(c, pending.ID)
		events := e.rows("dossier_events")
		records := e.rows("audit_log")
		tests := []struct {
			name string
			who  *authz.Principal
			d    dossier.Dossier
			a    dossier.Action
			in   dossier.Input
			kind errs.Kind
			key  string
		}{
			{"an official of another agency", e.official("tuphap.chuyenvien"), d, dossier.Forward, dossier.Input{}, errs.NotFound, "dossier.not_found"},
			{"a specialist of another agency", e.official("xaydung.chuyenvien"), d, dossier.RequestSupplement, dossier.Input{Missing: []string{"x"}}, errs.NotFound, "dossier.not_found"},
			{"a leader of another agency", e.official("tuphap.lanhdao"), d, dossier.Extend, dossier.Input{Reason: "x"}, errs.NotFound, "dossier.not_found"},
			{"the platform administrator", e.official("admin"), d, dossier.Forward, dossier.Input{}, errs.NotFound, "dossier.not_found"},
			{"another desk", hkDesk, pending, dossier.Accept, dossier.Input{}, errs.NotFound, "dossier.not_found"},
			{"another citizen withdraws", other, d, dossier.Withdraw, dossier.Input{}, errs.NotFound, "dossier.not_found"},
			{"another citizen forwards", other, d, dossier.Forward, dossier.Input{}, errs.NotFound, "dossier.not_found"},
			{"the applicant forwards", c, d, dossier.Forward, dossier.Input{}, errs.Forbidden, ""},
			{"the applicant accepts", c, pending, dossier.Accept, dossier.Input{}, errs.Forbidden, ""},
			{"anonymous", authz.AnonymousPrincipal, d, dossier.Withdraw, dossier.Input{}, errs.Unauthenticated, ""},
			{"the desk forwards the specialist's step", e.official("badinh.tiepnhan"), d, dossier.Forward, dossier.Input{}, errs.Forbidden, "dossier.role"},
			{"the unit head signs", e.official("badinh.truongphong"), d, dossier.Sign, dossier.Input{}, errs.Forbidden, "dossier.role"},
			// Before acceptance the dossier is only the desk's.
			{"the specialist accepts", e.official("badinh.chuyenvien"), pending, dossier.Accept, dossier.Input{}, errs.NotFound, "dossier.not_found"},
			{"the specialist extends", e.official("badinh.chuyenvien"), d, dossier.Extend, dossier.Input{Reason: "x", NewDue: at("2026-03-10 17:00")}, errs.Forbidden, "dossier.role"},
			{"the unit head claims the specialist's step", e.official("badinh.truongphong"), d, dossier.Claim, dossier.Input{}, errs.Forbidden, "dossier.step.role"},
		}
		for _, tt := range tests {
			err := e.try(tt.who, tt.d, tt.a, tt.in)
			if err == nil || errs.KindOf(err) != tt.kind {
				t.Errorf("%s: %v, want %v", tt.name, err, tt.kind)
				continue
			}
			if k, _ := errs.MessageKey(err); tt.key != "" && k != tt.key {
				t.Errorf("%s: %v, want key %s", tt.name, err, tt.key)
			}
		}
		// Stale versions, unknown dossiers.
		spec := e.official("badinh.chuyenvien")
		for _, v := range []int{d.Version - 1, d.Version + 1, 0} {
			_, err := e.svc.Act(e.ctx, spec, d.ID, dossier.Forward, dossier.Input{Version: v})
			wantErr(t, err, errs.Conflict, "dossier.stale")
		}
		_, err := e.svc.Act(e.ctx, spec, 999999, dossier.Forward, dossier.Input{Version: 1})
		wantErr(t, err, errs.NotFound, "dossier.not_found")
		if got := e.get(c, d.ID); got.Version != d.Version || got.Step != 1 {
			t.Errorf("refused actions changed the dossier: version %d → %d", d.Version, got.Version)
		}
		if n := e.rows("dossier_events"); n != events {
			t.Errorf("refused actions wrote %d events", n-events)
		}
		if n := e.rows("audit_log"); n != records+1 { // the Get above
			t.Errorf("refused actions wrote %d audit records", n-records-1)
		}
	})
}

func TestSupplementDuringProcessing(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk, spec := e.official("badinh.tiepnhan"), e.official("badinh.chuyenvien")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		e.clk.Set(at("2026-03-02 10:00"))
		if err := e.try(spec, d, dossier.RequestSupplement, dossier.Input{Missing: []string{" ", ""}}); !maps1(fieldKeys(t, err), "missing", "dossier.missing.required") {
			t.Errorf("empty list: %v", err)
		}
		missing := []string{"Giấy chứng sinh (bản chính)", "  ", "Văn bản ủy quyền có chứng thực"}
		e.do(spec, &d, dossier.RequestSupplement, dossier.Input{Missing: missing, Comment: "Thiếu giấy tờ"})
		if d.Status != dossier.Supplement || d.Status.External() != 5 || !d.Status.Paused() || !d.PausedAt.Equal(at("2026-03-02 10:00")) {
			t.Errorf("after request: %s, paused at %s", d.Status, show(d.PausedAt))
		}
		got := e.get(spec, d.ID)
		ev := event(t, got, dossier.RequestSupplement)
		list, _ := ev.Data["missing"].([]any)
		if len(list) != 2 || list[0] != missing[0] || list[1] != missing[2] {
			t.Errorf("the request lists %v, want everything missing", ev.Data["missing"])
		}
		if _, late := ev.Data["late"]; late {
			t.Error("a request an hour after receipt is flagged late")
		}
		if n := e.notes.last(); n.Topic != "supplement_requested" || !slices.Equal(n.Extra["missing"].([]string), []string{missing[0], missing[2]}) {
			t.Errorf("notice %+v", n)
		}
		if n := e.count(`SELECT COUNT(*) FROM dossier_pauses WHERE dossier_id = ? AND kind = 'supplement' AND ended_at IS NULL`, d.ID); n != 1 {
			t.Errorf("%d open supplement pauses", n)
		}
		// Paused, the process does not move.
		wantErr(t, e.try(spec, d, dossier.Forward, dossier.Input{}), errs.Conflict, "dossier.action.not_allowed")
		wantErr(t, e.try(e.official("badinh.truongphong"), d, dossier.Extend, dossier.Input{Reason: "x", NewDue: at("2026-03-10 17:00")}),
			errs.Conflict, "dossier.action.not_allowed")
		wantErr(t, e.try(spec, d, dossier.SupplementReceived, dossier.Input{}), errs.Forbidden, "dossier.role")

		// Thursday 16:00 is after the cut-off: the full legal time (1
		// working day) runs again from Friday morning.
		e.clk.Set(at("2026-03-05 16:00"))
		e.do(desk, &d, dossier.SupplementReceived, dossier.Input{Files: []dossier.FileRef{{ComponentCode: "GCS", SHA256: e.put("giấy chứng sinh"), Name: "gcs.pdf"}}})
		if d.Status != dossier.Processing || !d.DueAt.Equal(at("2026-03-06 17:00")) || !d.PausedAt.IsZero() || d.Step != 1 {
			t.Errorf("after supplement: %s due %s paused %s step %d", d.Status, show(d.DueAt), show(d.PausedAt), d.Step)
		}
		got = e.get(spec, d.ID)
		if acc := event(t, got, dossier.Accept); !acc.DueAfter.Equal(at("2026-03-03 09:00")) {
			t.Errorf("first due in the history: %s", show(acc.DueAfter))
		}
		ev = event(t, got, dossier.SupplementReceived)
		if !ev.DueBefore.Equal(at("2026-03-03 09:00")) || !ev.DueAfter.Equal(at("2026-03-06 17:00")) {
			t.Errorf("supplement received: due %s → %s", show(ev.DueBefore), show(ev.DueAfter))
		}
		if got.Files[len(got.Files)-1].Kind != "supplement" {
			t.Errorf("files %+v", got.Files)
		}
		if n := e.count(`SELECT COUNT(*) FROM dossier_pauses WHERE dossier_id = ? AND ended_at IS NOT NULL`, d.ID); n != 1 {
			t.Errorf("%d closed pauses", n)
		}
	})
}

// TestSupplementLate: asking for a supplement more than three working days
// after receipt is flagged (ND 61/2018).
func TestSupplementLate(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		spec := e.official("badinh.chuyenvien")
		for _, tt := range []struct {
			when string
			late bool
		}{
			{"2026-03-05 09:00", false}, // exactly three working days after Monday 09:00
			{"2026-03-05 09:01", true},
			{"2026-03-06 10:00", true},
		} {
			d := e.accepted(c, e.reRegistration("Lê Văn Cường"), at("2026-03-02 09:00"))
			e.clk.Set(at(tt.when))
			e.do(spec, &d, dossier.RequestSupplement, dossier.Input{Missing: []string{"Bản sao giấy khai sinh"}})
			ev := event(t, e.get(spec, d.ID), dossier.RequestSupplement)
			if late, _ := ev.Data["late"].(bool); late != tt.late {
				t.Errorf("request at %s: late %v, want %v", tt.when, late, tt.late)
			}
			if d.Status != dossier.Supplement {
				t.Errorf("status %s", d.Status)
			}
		}
	})
}

func TestPaymentPause(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk, spec := e.official("badinh.tiepnhan"), e.official("badinh.chuyenvien")
		d := e.accepted(c, e.reRegistration("Lê Văn Cường"), at("2026-03-02 09:00"))
		if !d.DueAt.Equal(at("2026-03-09 09:00")) {
			t.Fatalf("due %s", show(d.DueAt))
		}
		e.clk.Set(at("2026-03-04 09:00"))
		for _, amount := range []int64{0, -5} {
			if err := e.try(spec, d, dossier.RequestPayment, dossier.Input{Amount: amount}); !maps1(fieldKeys(t, err), "amount", "dossier.amount.positive") {
				t.Errorf("amount %d: %v", amount, err)
			}
		}
		e.do(spec, &d, dossier.RequestPayment, dossier.Input{Amount: 8000})
		if d.Status != dossier.AwaitingPayment || d.Status.External() != 6 || !d.PausedAt.Equal(at("2026-03-04 09:00")) {
			t.Errorf("awaiting payment: %s paused %s", d.Status, show(d.PausedAt))
		}
		if n := e.notes.last(); n.Topic != "payment_requested" || n.Extra["amount"] != int64(8000) {
			t.Errorf("notice %+v", n)
		}
		wantErr(t, e.try(spec, d, dossier.MarkPaid, dossier.Input{}), errs.Forbidden, "dossier.role")
		// Three working days were left (Wed 09:00 → Mon 09:00); paid on
		// Tuesday 10/3 at 14:00, they run again: Tue 3h, Wed 8h, Thu 8h and
		// Fri 5h → Friday 13/3 at 14:00.
		e.clk.Set(at("2026-03-10 14:00"))
		e.do(desk, &d, dossier.MarkPaid, dossier.Input{})
		if d.Status != dossier.Processing || !d.DueAt.Equal(at("2026-03-13 14:00")) || !d.PausedAt.IsZero() {
			t.Errorf("paid: %s due %s paused %s", d.Status, show(d.DueAt), show(d.PausedAt))
		}
		if !d.OriginalDueAt.Equal(at("2026-03-09 09:00")) {
			t.Errorf("original due %s", show(d.OriginalDueAt))
		}
		ev := event(t, e.get(c, d.ID), dossier.MarkPaid)
		if !ev.DueBefore.Equal(at("2026-03-09 09:00")) || !ev.DueAfter.Equal(at("2026-03-13 14:00")) {
			t.Errorf("mark paid event: %s → %s", show(ev.DueBefore), show(ev.DueAfter))
		}
		if n := e.count(`SELECT COUNT(*) FROM dossier_pauses WHERE dossier_id = ? AND kind = 'payment' AND ended_at IS NOT NULL`, d.ID); n != 1 {
			t.Errorf("%d closed payment pauses", n)
		}
		// Finished on the new deadline's day: on time.
		e.clk.Set(at("2026-03-13 11:00"))
		e.issue(&d)
		if d.Timeliness != dossier.OnTime {
			t.Errorf("timeliness %s", d.Timeliness)
		}
	})
}

func TestExtension(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		head := e.official("badinh.truongphong")
		d := e.accepted(c, e.reRegistration("Lê Văn Cường"), at("2026-03-02 09:00"))
		tooLate := e.accepted(c, e.reRegistration("Lê Văn Dũng"), at("2026-03-02 09:00"))
		if !d.DueAt.Equal(at("2026-03-09 09:00")) {
			t.Fatalf("due %s", show(d.DueAt))
		}
		// Less than one working day before the deadline (7h59m): refused.
		e.clk.Set(at("2026-03-06 09:01"))
		wantErr(t, e.try(head, tooLate, dossier.Extend, dossier.Input{Reason: "Cần xác minh", NewDue: at("2026-03-11 17:00")}),
			errs.Conflict, "dossier.extend.too_late")
		// Exactly one working day before: allowed, with a valid new date.
		e.clk.Set(at("2026-03-06 09:00"))
		for _, tt := range []struct {
			name   string
			in     dossier.Input
			field  string
			reason string
		}{
			{"no reason", dossier.Input{Reason: " ", NewDue: at("2026-03-11 17:00")}, "reason", "field.required"},
			{"earlier", dossier.Input{Reason: "x", NewDue: at("2026-03-06 17:00")}, "new_due", "dossier.extend.not_later"},
			{"the same", dossier.Input{Reason: "x", NewDue: at("2026-03-09 09:00")}, "new_due", "dossier.extend.not_later"},
			{"a Saturday", dossier.Input{Reason: "x", NewDue: at("2026-03-14 00:00")}, "new_due", "dossier.extend.not_working_day"},
			{"a Sunday at 10:00", dossier.Input{Reason: "x", NewDue: at("2026-03-15 10:00")}, "new_due", "dossier.extend.not_working_day"},
			{"National Day", dossier.Input{Reason: "x", NewDue: at("2026-09-02 00:00")}, "new_due", "dossier.extend.not_working_day"},
		} {
			if err := e.try(head, d, dossier.Extend, tt.in); !maps1(fieldKeys(t, err), tt.field, tt.reason) {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
		// A date alone means the end of that working day.
		e.do(head, &d, dossier.Extend, dossier.Input{Reason: "Cần xác minh với nơi đăng ký trước đây", NewDue: at("2026-03-11 00:00")})
		if !d.DueAt.Equal(at("2026-03-11 17:00")) || !d.Extended || !d.OriginalDueAt.Equal(at("2026-03-09 09:00")) || d.Status != dossier.Processing {
			t.Errorf("extended: due %s original %s extended %v", show(d.DueAt), show(d.OriginalDueAt), d.Extended)
		}
		n := e.notes.last()
		if nd, _ := n.Extra["new_due"].(time.Time); n.Topic != "extended" || n.Code != d.Code || n.Extra["reason"] != "Cần xác minh với nơi đăng ký trước đây" || !nd.Equal(at("2026-03-11 17:00")) {
			t.Errorf("notice %+v", n)
		}
		ev := event(t, e.get(c, d.ID), dossier.Extend)
		if !ev.DueBefore.Equal(at("2026-03-09 09:00")) || !ev.DueAfter.Equal(at("2026-03-11 17:00")) {
			t.Errorf("extend event %s → %s", show(ev.DueBefore), show(ev.DueAfter))
		}
		// Once only.
		wantErr(t, e.try(e.official("badinh.lanhdao"), d, dossier.Extend, dossier.Input{Reason: "Lần hai", NewDue: at("2026-03-13 17:00")}),
			errs.Conflict, "dossier.extend.once")
		// Judged against the deadline in force: late against the first one,
		// on time against the extended one.
		e.clk.Set(at("2026-03-11 16:00"))
		e.issue(&d)
		if d.Timeliness != dossier.OnTime {
			t.Errorf("finished on the extended deadline's day: %s", d.Timeliness)
		}
	})
}

// TestExtensionMustMoveTheDeadline: a new date given after working hours on
// the deadline's own day is the end of that day, which is no later than a
// deadline at 17:00. It must be refused like any date that is not later;
// otherwise the one extension is spent, and an apology sent, for nothing.
func TestExtensionMustMoveTheDeadline(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		head := e.official("badinh.truongphong")
		d := e.accepted(c, e.reRegistration("Lê Văn Cường"), at("2026-04-24 16:00"))
		if !d.DueAt.Equal(at("2026-05-06 17:00")) {
			t.Fatalf("due %s", show(d.DueAt))
		}
		e.clk.Set(at("2026-05-04 09:00"))
		err := e.try(head, d, dossier.Extend, dossier.Input{Reason: "Cần xác minh", NewDue: at("2026-05-06 22:00")})
		if err == nil {
			got := e.get(c, d.ID)
			t.Fatalf("extension to %s accepted: due %s → %s, extended %v", show(at("2026-05-06 22:00")), show(d.DueAt), show(got.DueAt), got.Extended)
		}
		if !maps1(fieldKeys(t, err), "new_due", "dossier.extend.not_later") {
			t.Errorf("%v", err)
		}
	})
}

func TestWithdraw(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk, spec := e.official("badinh.tiepnhan"), e.official("badinh.chuyenvien")

		// By the applicant, without having to give a reason.
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		e.clk.Set(at("2026-03-02 11:00"))
		e.do(c, &d, dossier.Withdraw, dossier.Input{})
		if d.Status != dossier.Withdrawn || d.Status.External() != 8 || d.Status.Active() || !d.FinishedAt.Equal(at("2026-03-02 11:00")) || d.ResultKind != "stop" {
			t.Errorf("withdrawn: %s (%d) finished %s kind %q", d.Status, d.Status.External(), show(d.FinishedAt), d.ResultKind)
		}
		if n := e.notes.last(); n.Topic != "withdrawn" || n.Code != d.Code {
			t.Errorf("notice %+v", n)
		}
		wantErr(t, e.try(spec, d, dossier.Forward, dossier.Input{}), errs.Conflict, "dossier.action.not_allowed")
		wantErr(t, e.try(c, d, dossier.Withdraw, dossier.Input{}), errs.Conflict, "dossier.action.not_allowed")
		if pub, err := e.svc.Lookup(e.ctx, d.Code); err != nil || pub.External != 8 {
			t.Errorf("lookup %+v %v", pub, err)
		}

		// By the desk, with a reason, while waiting for payment.
		d = e.accepted(c, e.reRegistration("Lê Văn Cường"), at("2026-03-02 09:00"))
		e.do(spec, &d, dossier.RequestPayment, dossier.Input{Amount: 8000})
		if err := e.try(desk, d, dossier.Withdraw, dossier.Input{}); !maps1(fieldKeys(t, err), "reason", "field.required") {
			t.Errorf("the desk without a reason: %v", err)
		}
		e.do(desk, &d, dossier.Withdraw, dossier.Input{Reason: "Công dân nộp đơn rút hồ sơ tại quầy"})
		if d.Status != dossier.Withdrawn {
			t.Errorf("status %s", d.Status)
		}
		if n := e.count(`SELECT COUNT(*) FROM dossier_pauses WHERE dossier_id = ? AND ended_at IS NULL`, d.ID); n != 0 {
			t.Errorf("%d pauses left open", n)
		}
	})
}

// TestWithdrawBeforeAcceptance: the applicant may withdraw a dossier the
// desk has not received yet; such a dossier has no code.
func TestWithdrawBeforeAcceptance(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		d := e.submit(c, e.birth("Bé Na"))
		d = e.get(c, d.ID)
		if err := e.try(c, d, dossier.Withdraw, dossier.Input{Reason: "Nộp nhầm"}); err != nil {
			t.Fatalf("withdrawing a submitted dossier: %v", err)
		}
		if got := e.get(c, d.ID); got.Status != dossier.Withdrawn || got.Status.External() != 8 || got.ResultKind != "stop" || got.Timeliness != "" {
			t.Errorf("withdrawn before acceptance: %s kind %q timeliness %q", got.Status, got.ResultKind, got.Timeliness)
		}
		if n := e.notes.last(); n.Topic != "withdrawn" {
			t.Errorf("notice %+v", n)
		}
	})
}

// TestRejectAtReception: the desk refuses a dossier (Phiếu từ chối tiếp
// nhận); the dossier has no code yet.
func TestRejectAtReception(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk := e.official("badinh.tiepnhan")
		d := e.get(desk, e.submit(c, e.birth("Bé Na")).ID)
		if err := e.try(desk, d, dossier.RejectAtDesk, dossier.Input{}); !maps1(fieldKeys(t, err), "reason", "field.required") {
			t.Errorf("without a reason: %v", err)
		}
		if err := e.try(desk, d, dossier.RejectAtDesk, dossier.Input{Reason: "Không thuộc thẩm quyền"}); err != nil {
			t.Fatalf("reject: %v", err)
		}
		got := e.get(c, d.ID)
		if got.Status != dossier.Rejected || got.Status.External() != 3 || got.Code != "" {
			t.Errorf("rejected: %s code %q", got.Status, got.Code)
		}
		if n := e.count(`SELECT COUNT(*) FROM outbox WHERE topic = 'refused' AND ref = ?`, "#"+strconv.FormatInt(d.ID, 10)); n != 1 {
			t.Errorf("%d refusal messages: the applicant must be told", n)
		}
	})
}

// TestSupplementAtReception: the desk asks for everything missing in one
// go (Phiếu yêu cầu bổ sung), the applicant completes the dossier and it is
// received.
func TestSupplementAtReception(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk := e.official("badinh.tiepnhan")
		d := e.get(desk, e.submit(c, e.birth("Bé Na")).ID)
		if err := e.try(desk, d, dossier.RequestSupplementDesk, dossier.Input{Missing: []string{"Giấy chứng sinh"}}); err != nil {
			t.Fatalf("request supplement at reception: %v", err)
		}
		d = e.get(c, d.ID)
		if d.Status != dossier.ReceptionSupplement || d.Status.External() != 5 {
			t.Errorf("status %s", d.Status)
		}
		if n := e.notes.last(); n.Topic != "supplement_requested" || !slices.Equal(n.Extra["missing"].([]string), []string{"Giấy chứng sinh"}) {
			t.Errorf("notice %+v", n)
		}
		e.clk.Set(at("2026-03-03 10:00"))
		e.do(c, &d, dossier.Resubmit, dossier.Input{Files: []dossier.FileRef{{ComponentCode: "GCS", SHA256: e.put("gcs"), Name: "gcs.pdf"}}})
		if d.Status != dossier.Submitted || !d.SubmittedAt.Equal(at("2026-03-03 10:00")) {
			t.Errorf("resubmitted: %s at %s", d.Status, show(d.SubmittedAt))
		}
		e.do(desk, &d, dossier.Accept, dossier.Input{})
		if d.Code != "000.01.50.H26-260303-0001" {
			t.Errorf("code %q", d.Code)
		}
	})
}

func TestRefuseAfterAppraisal(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk, spec, head := e.official("badinh.tiepnhan"), e.official("badinh.chuyenvien"), e.official("badinh.truongphong")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		e.do(spec, &d, dossier.Forward, dossier.Input{Comment: "Đề nghị từ chối"})
		wantErr(t, e.try(spec, d, dossier.Refuse, dossier.Input{Reason: "x"}), errs.Forbidden, "dossier.role")
		if err := e.try(head, d, dossier.Refuse, dossier.Input{}); !maps1(fieldKeys(t, err), "reason", "field.required") {
			t.Errorf("without a reason: %v", err)
		}
		e.clk.Set(at("2026-03-03 10:00")) // an hour after the deadline
		e.do(head, &d, dossier.Refuse, dossier.Input{Reason: "Người yêu cầu không có quyền đăng ký"})
		if d.Status != dossier.Refused || d.Status.External() != 9 || d.ResultKind != "refusal" || !d.FinishedAt.Equal(at("2026-03-03 10:00")) ||
			d.Timeliness != dossier.Late {
			t.Errorf("refused: %s kind %q finished %s timeliness %q", d.Status, d.ResultKind, show(d.FinishedAt), d.Timeliness)
		}
		if n := e.notes.last(); n.Topic != "refused" || n.Extra["reason"] != "Người yêu cầu không có quyền đăng ký" {
			t.Errorf("notice %+v", n)
		}
		if got, _ := e.svc.Inbox(e.ctx, desk, dossier.BoxResults, 0); !slices.Equal(ids(got), []int64{d.ID}) {
			t.Errorf("results tray %v", ids(got))
		}
		wantErr(t, e.try(spec, d, dossier.Forward, dossier.Input{}), errs.Conflict, "dossier.action.not_allowed")
		e.do(desk, &d, dossier.ReturnResult, dossier.Input{ReturnChannel: "counter"})
		if d.Status != dossier.Returned {
			t.Errorf("status %s", d.Status)
		}
	})
}

func TestTimeliness(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		// Accepted Monday 09:00 with one working day: due Tuesday 09:00.
		for _, tt := range []struct {
			done string
			want dossier.Timeliness
		}{
			{"2026-03-02 16:00", dossier.Early},
			{"2026-03-03 08:30", dossier.OnTime},
			{"2026-03-03 09:00", dossier.OnTime},
			{"2026-03-03 09:01", dossier.Late},
			{"2026-03-04 08:00", dossier.Late},
		} {
			d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
			e.clk.Set(at(tt.done))
			e.issue(&d)
			if d.Timeliness != tt.want || !d.FinishedAt.Equal(at(tt.done)) {
				t.Errorf("finished %s: %q, want %q", tt.done, d.Timeliness, tt.want)
			}
		}
	})
}

func TestInbox(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk, spec, head, lead := e.official("badinh.tiepnhan"), e.official("badinh.chuyenvien"), e.official("badinh.truongphong"), e.official("badinh.lanhdao")
		hkDesk := e.account("hoankiem.tiepnhan", hoanKiem, authz.ReceptionOfficer)
		atHoanKiem := e.birth("Bé Hà")
		atHoanKiem.AgencyCode = hoanKiem

		overdue := e.accepted(c, e.birth("Bé Một"), at("2026-03-02 09:00"))             // due Tue 3/3 09:00
		claimed := e.accepted(c, e.reRegistration("Người Hai"), at("2026-03-02 10:00")) // due Mon 9/3 10:00
		result := e.accepted(c, e.birth("Bé Ba"), at("2026-03-02 09:30"))               // due Tue 3/3 09:30
		refused := e.accepted(c, e.birth("Bé Bốn"), at("2026-03-02 09:45"))             // due Tue 3/3 09:45
		elsewhere := e.acceptedBy(hkDesk, c, atHoanKiem, at("2026-03-02 09:00"))        // Hoàn Kiếm
		e.clk.Set(at("2026-03-02 11:00"))
		e.do(spec, &claimed, dossier.Claim, dossier.Input{})
		e.issue(&result)
		e.do(head, &refused, dossier.Refuse, dossier.Input{Reason: "Không đủ điều kiện"})
		fresh := e.submit(c, e.birth("Bé Năm"))
		freshHK := e.submit(c, atHoanKiem)
		_ = elsewhere

		e.clk.Set(at("2026-03-04 09:00"))
		tests := []struct {
			who  *authz.Principal
			box  dossier.Box
			want []int64
		}{
			{desk, dossier.BoxNew, []int64{fresh.ID}},
			{hkDesk, dossier.BoxNew, []int64{freshHK.ID}},
			{spec, dossier.BoxNew, nil},
			{spec, dossier.BoxMine, []int64{claimed.ID}},
			{head, dossier.BoxMine, nil},
			{desk, dossier.BoxMine, nil},
			{spec, dossier.BoxInProgress, []int64{overdue.ID, claimed.ID}},
			{head, dossier.BoxInProgress, []int64{overdue.ID, claimed.ID}},
			{lead, dossier.BoxInProgress, []int64{overdue.ID, claimed.ID}},
			{spec, dossier.BoxOverdue, []int64{overdue.ID}},
			{lead, dossier.BoxOverdue, []int64{overdue.ID}},
			{desk, dossier.BoxResults, []int64{result.ID, refused.ID}},
			{hkDesk, dossier.BoxResults, nil},
			{spec, dossier.BoxResults, nil},
		}
		for _, tt := range tests {
			got, err := e.svc.Inbox(e.ctx, tt.who, tt.box, 0)
			if err != nil {
				t.Errorf("%s %s: %v", tt.who.Username, tt.box, err)
				continue
			}
			if !slices.Equal(ids(got), tt.want) {
				t.Errorf("%s's %s tray: %v, want %v", tt.who.Username, tt.box, ids(got), tt.want)
			}
		}
		// Nothing of Ba Đình for the officials of other agencies.
		for _, user := range []string{"tuphap.chuyenvien", "tuphap.truongphong", "tuphap.lanhdao", "xaydung.chuyenvien", "motcua.tiepnhan", "admin"} {
			for _, box := range dossier.Boxes {
				if got, err := e.svc.Inbox(e.ctx, e.official(user), box, 0); err != nil || len(got) != 0 {
					t.Errorf("%s's %s tray: %v, %v", user, box, ids(got), err)
				}
			}
		}
		// Later, the claimed dossier is overdue too.
		e.clk.Set(at("2026-03-09 10:01"))
		if got, _ := e.svc.Inbox(e.ctx, spec, dossier.BoxOverdue, 0); !slices.Equal(ids(got), []int64{overdue.ID, claimed.ID}) {
			t.Errorf("overdue on 9/3 10:01: %v", ids(got))
		}
		if got, _ := e.svc.Inbox(e.ctx, spec, dossier.BoxOverdue, 1); len(got) != 1 {
			t.Errorf("limit 1: %d rows", len(got))
		}
		_, err := e.svc.Inbox(e.ctx, c, dossier.BoxNew, 0)
		wantErr(t, err, errs.Forbidden, "")
		_, err = e.svc.Inbox(e.ctx, authz.AnonymousPrincipal, dossier.BoxNew, 0)
		wantErr(t, err, errs.Unauthenticated, "")
		_, err = e.svc.Inbox(e.ctx, spec, dossier.Box("all"), 0)
		if !maps1(fieldKeys(t, err), "box", "catalog.unknown_value") {
			t.Errorf("unknown tray: %v", err)
		}
	})
}

// TestInboxPausedIsNotOverdue: while the dossier waits for the applicant
// (a supplement, a payment) the clock is stopped (DESIGN §3.4): the old
// deadline passing does not make it overdue.
func TestInboxPausedIsNotOverdue(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		spec := e.official("badinh.chuyenvien")
		payment := e.accepted(c, e.reRegistration("Lê Văn Cường"), at("2026-03-02 09:00")) // due Mon 9/3 09:00
		e.clk.Set(at("2026-03-04 09:00"))
		e.do(spec, &payment, dossier.RequestPayment, dossier.Input{Amount: 8000})
		supplement := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00")) // due Tue 3/3 09:00
		e.clk.Set(at("2026-03-02 10:00"))
		e.do(spec, &supplement, dossier.RequestSupplement, dossier.Input{Missing: []string{"Giấy chứng sinh"}})

		e.clk.Set(at("2026-03-11 09:00"))
		got, err := e.svc.Inbox(e.ctx, spec, dossier.BoxOverdue, 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 0 {
			for _, d := range got {
				t.Errorf("paused dossier %d (%s since %s, old due %s) is in the overdue tray", d.ID, d.Status, show(d.PausedAt), show(d.DueAt))
			}
		}
	})
}

// TestInboxDueSoon: "due within one working day" is counted in working
// time: on Friday at 16:00 a dossier due on Monday at 10:00 has three
// working hours left.
func TestInboxDueSoon(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		spec := e.official("badinh.chuyenvien")
		soon := e.accepted(c, e.birth("Bé Na"), at("2026-03-06 10:00"))                  // due Mon 9/3 10:00
		later := e.accepted(c, e.reRegistration("Lê Văn Cường"), at("2026-03-06 10:00")) // due Fri 13/3 10:00
		if !soon.DueAt.Equal(at("2026-03-09 10:00")) || !later.DueAt.Equal(at("2026-03-13 10:00")) {
			t.Fatalf("due %s, %s", show(soon.DueAt), show(later.DueAt))
		}
		e.clk.Set(at("2026-03-06 16:00"))
		got, err := e.svc.Inbox(e.ctx, spec, dossier.BoxDueSoon, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(ids(got), []int64{soon.ID}) {
			t.Errorf("due soon on Friday 16:00: %v, want [%d] (due Monday 10:00)", ids(got), soon.ID)
		}
	})
}

// TestInboxMineOnlyOpen: a dossier that was withdrawn while assigned is no
// longer work for anybody.
func TestInboxMineOnlyOpen(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		spec := e.official("badinh.chuyenvien")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		e.do(spec, &d, dossier.Claim, dossier.Input{})
		if got, _ := e.svc.Inbox(e.ctx, spec, dossier.BoxMine, 0); !slices.Equal(ids(got), []int64{d.ID}) {
			t.Fatalf("mine %v", ids(got))
		}
		e.do(c, &d, dossier.Withdraw, dossier.Input{})
		if got, _ := e.svc.Inbox(e.ctx, spec, dossier.BoxMine, 0); len(got) != 0 {
			t.Errorf("the withdrawn dossier stays in the specialist's tray: %v (status %s, assignee %d)", ids(got), d.Status, d.AssigneeID)
		}
	})
}

// TestAssign: the unit head assigns the dossier to an official of the
// processing agency; not to somebody elsewhere (who would then see the
// applicant's data in their tray), nor to an account that does not exist.
func TestAssign(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		spec, head := e.official("badinh.chuyenvien"), e.official("badinh.truongphong")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		if err := e.try(head, d, dossier.Assign, dossier.Input{}); !maps1(fieldKeys(t, err), "assignee", "field.required") {
			t.Errorf("nobody: %v", err)
		}
		wantErr(t, e.try(spec, d, dossier.Assign, dossier.Input{AssigneeID: spec.ID}), errs.Forbidden, "dossier.role")
		e.do(head, &d, dossier.Assign, dossier.Input{AssigneeID: spec.ID})
		if d.AssigneeID != spec.ID {
			t.Errorf("assignee %d", d.AssigneeID)
		}
		if got, _ := e.svc.Inbox(e.ctx, spec, dossier.BoxMine, 0); !slices.Equal(ids(got), []int64{d.ID}) {
			t.Errorf("mine %v", ids(got))
		}

		outsider := e.official("tuphap.chuyenvien")
		err := e.try(head, d, dossier.Assign, dossier.Input{AssigneeID: outsider.ID})
		if mine, _ := e.svc.Inbox(e.ctx, outsider, dossier.BoxMine, 0); len(mine) != 0 {
			t.Errorf("a Ba Đình dossier, with its applicant %q, is in the tray of an official of the Department of Justice", mine[0].Applicant.FullName)
		}
		if !errs.Is(err, errs.Invalid) {
			t.Errorf("assigning to an official of another agency: %v, want Invalid", err)
		}
		d = e.get(head, d.ID)
		if err := e.try(head, d, dossier.Assign, dossier.Input{AssigneeID: 999999}); !errs.Is(err, errs.Invalid) {
			t.Errorf("assigning to no account: %v, want Invalid", err)
		}
	})
}
