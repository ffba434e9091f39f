package dossier_test

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
)

// written counts the rows a submission writes, to prove that a refused one
// wrote nothing.
func (e *env) written() map[string]int {
	e.t.Helper()
	out := map[string]int{}
	for _, table := range []string{"dossiers", "dossier_files", "dossier_events", "audit_log", "outbox"} {
		out[table] = e.rows(table)
	}
	return out
}

func TestSubmitValidation(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		missing := strings.Repeat("a", 64) // a well-formed sum that is not stored
		// certified copies are offered at the counter only; the application
		// is otherwise complete.
		rereg := func() dossier.Application { return e.reRegistration("Lê Văn Cường") }
		counterOnly := func(a *dossier.Application) {
			*a = dossier.Application{ProcedureCode: chungThuc, CaseCode: "TH1", AgencyCode: baDinhCentre,
				Applicant: dossier.Applicant{FullName: "Nguyễn Văn An"},
				Form:      map[string]string{"ho_ten": "Nguyễn Văn An", "so_dinh_danh": "001090012345", "ten_giay_to": "Bằng tốt nghiệp", "so_trang": "2", "so_ban": "3"},
				Files: []dossier.FileRef{{ComponentCode: "BC", SHA256: e.put("bản chính"), Name: "bc.pdf"},
					{ComponentCode: "BS", SHA256: e.put("bản sao"), Name: "bs.pdf"}}}
		}
		tests := []struct {
			name   string
			base   func() dossier.Application
			change func(a *dossier.Application)
			want   map[string]string
		}{
			{"unknown procedure", nil, func(a *dossier.Application) { a.ProcedureCode = "9.999999" },
				map[string]string{"procedure_code": "catalog.not_found"}},
			{"empty procedure", nil, func(a *dossier.Application) { a.ProcedureCode = "" },
				map[string]string{"procedure_code": "catalog.not_found"}},
			{"unknown case", nil, func(a *dossier.Application) { a.CaseCode = "TH9" },
				map[string]string{"case_code": "dossier.case.unknown"}},
			{"channel not offered online", nil, counterOnly,
				map[string]string{"channel": "dossier.channel.not_offered"}},
			{"the processing agency is not a receiver", nil, func(a *dossier.Application) { a.AgencyCode = baDinh },
				map[string]string{"agency_code": "dossier.agency.not_receiver"}},
			{"an unrelated agency", nil, func(a *dossier.Application) { a.AgencyCode = "H26.12" },
				map[string]string{"agency_code": "dossier.agency.not_receiver"}},
			{"a business may not register a birth", nil, func(a *dossier.Application) { a.Applicant.Type = "business" },
				map[string]string{"applicant.type": "dossier.applicant.not_eligible"}},
			{"unknown applicant type", nil, func(a *dossier.Application) { a.Applicant.Type = "alien" },
				map[string]string{"applicant.type": "dossier.applicant.not_eligible"}},
			{"applicant's name", nil, func(a *dossier.Application) { a.Applicant.FullName = "  " },
				map[string]string{"applicant.full_name": "field.required"}},
			{"required field", nil, func(a *dossier.Application) { delete(a.Form, "ho_ten_tre") },
				map[string]string{"form.ho_ten_tre": "field.required"}},
			{"required field of spaces", nil, func(a *dossier.Application) { a.Form["noi_sinh_tre"] = " \t " },
				map[string]string{"form.noi_sinh_tre": "field.required"}},
			{"date", nil, func(a *dossier.Application) { a.Form["ngay_sinh_tre"] = "20/02/2026" },
				map[string]string{"form.ngay_sinh_tre": "field.date"}},
			{"select", nil, func(a *dossier.Application) { a.Form["gioi_tinh_tre"] = "Khác" },
				map[string]string{"form.gioi_tinh_tre": "catalog.unknown_value"}},
			{"national id", nil, func(a *dossier.Application) { a.Form["so_dinh_danh"] = "00109001234" },
				map[string]string{"form.so_dinh_danh": "dossier.form.national_id"}},
			{"email", nil, func(a *dossier.Application) { a.Form["thu_dien_tu"] = "an at example" },
				map[string]string{"form.thu_dien_tu": "field.email"}},
			{"pattern of an optional field", nil, func(a *dossier.Application) { a.Form["dien_thoai"] = "912345678" },
				map[string]string{"form.dien_thoai": "dossier.form.pattern"}},
			{"pattern must match in full", nil, func(a *dossier.Application) { a.Form["dien_thoai"] = "09123456789" },
				map[string]string{"form.dien_thoai": "dossier.form.pattern"}},
			{"too long", nil, func(a *dossier.Application) { a.Form["noi_sinh_tre"] = strings.Repeat("ạ", 2001) },
				map[string]string{"form.noi_sinh_tre": "field.too_long"}},
			{"number", rereg, func(a *dossier.Application) { a.Form["nam_dk_truoc_day"] = "năm 1990" },
				map[string]string{"form.nam_dk_truoc_day": "dossier.form.number"}},
			{"number with a pattern", rereg, func(a *dossier.Application) { a.Form["nam_dk_truoc_day"] = "1890" },
				map[string]string{"form.nam_dk_truoc_day": "dossier.form.pattern"}},
			// GCS and GTTT are required too, but come from the national
			// population database: only the declaration is missing.
			{"missing component", nil, func(a *dossier.Application) { a.Files = nil },
				map[string]string{"files.TK": "dossier.component.missing"}},
			{"several missing components", rereg, func(a *dossier.Application) { a.Files = a.Files[:1] },
				map[string]string{"files.BSGKS": "dossier.component.missing", "files.CAMDOAN": "dossier.component.missing"}},
			{"unknown component", nil, func(a *dossier.Application) {
				a.Files = append(a.Files, dossier.FileRef{ComponentCode: "XYZ", SHA256: e.put("x"), Name: "x.pdf"})
			}, map[string]string{"files.1": "dossier.component.unknown"}},
			{"file not in the store", nil, func(a *dossier.Application) { a.Files[0].SHA256 = missing },
				map[string]string{"files.TK": "dossier.file.missing"}},
			{"malformed sum", nil, func(a *dossier.Application) { a.Files[0].SHA256 = "../../etc/passwd" },
				map[string]string{"files.TK": "dossier.file.missing"}},
			{"everything at once", nil, func(a *dossier.Application) {
				a.AgencyCode = "H26.12"
				a.Applicant.Type = "business"
				a.Applicant.FullName = ""
				a.Form["ngay_sinh_tre"] = "hôm qua"
				delete(a.Form, "quan_he")
				a.Files = nil
			}, map[string]string{"agency_code": "dossier.agency.not_receiver", "applicant.type": "dossier.applicant.not_eligible",
				"applicant.full_name": "field.required", "form.ngay_sinh_tre": "field.date", "form.quan_he": "field.required",
				"files.TK": "dossier.component.missing"}},
		}
		for i, tt := range tests {
			base := tt.base
			if base == nil {
				base = func() dossier.Application { return e.birth("Bé Na") }
			}
			a := base()
			tt.change(&a)
			before := e.written()
			_, err := e.svc.Submit(e.ctx, c, a, "validation-"+string(rune('a'+i)))
			if err == nil {
				t.Errorf("%s: accepted", tt.name)
				continue
			}
			if errs.KindOf(err) != errs.Invalid {
				t.Errorf("%s: %v, want Invalid", tt.name, err)
				continue
			}
			if got := fieldKeys(t, err); !maps.Equal(got, tt.want) {
				t.Errorf("%s: fields %v, want %v", tt.name, got, tt.want)
			}
			if after := e.written(); !maps.Equal(before, after) {
				t.Errorf("%s: a refused submission wrote rows: %v → %v", tt.name, before, after)
			}
		}
		// The complete applications themselves are fine.
		for _, a := range []dossier.Application{e.birth("Bé Na"), e.reRegistration("Lê Văn Cường")} {
			if _, err := e.svc.Submit(e.ctx, c, a, "valid-"+a.ProcedureCode); err != nil {
				t.Errorf("complete %s application: %v", a.ProcedureCode, err)
			}
		}
	})
}

func TestSubmitSizeLimit(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		half := strings.Repeat("x", 512<<10)
		a := e.birth("Bé Na")
		a.Files = append(a.Files[:0],
			dossier.FileRef{ComponentCode: "TK", SHA256: e.put(half), Name: "to-khai.pdf"},
			dossier.FileRef{ComponentCode: "UQ", SHA256: e.put(half[1:] + "y"), Name: "uy-quyen.pdf"})
		small := e.put("z")
		_, err := e.svc.Submit(e.ctx, c, a, "exactly-at-the-limit")
		if err != nil {
			t.Fatalf("1 MiB of files with a 1 MiB limit: %v", err)
		}
		// The limit is per dossier, across all its files.
		a.Files = append(a.Files, dossier.FileRef{ComponentCode: "GCS", SHA256: small, Name: "giay-chung-sinh.pdf"})
		before := e.written()
		_, err = e.svc.Submit(e.ctx, c, a, "one-byte-over")
		if got := fieldKeys(t, err); !maps.Equal(got, map[string]string{"files": "dossier.files.too_large"}) {
			t.Errorf("one byte over the limit: %v", got)
		}
		if after := e.written(); !maps.Equal(before, after) {
			t.Errorf("wrote rows: %v → %v", before, after)
		}
	}, func(c *dossier.Config) { c.MaxDossierBytes = 1 << 20 })
}

func TestSubmitWho(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		for _, key := range []string{"", "   ", strings.Repeat("k", 101)} {
			_, err := e.svc.Submit(e.ctx, c, e.birth("Bé Na"), key)
			if got := fieldKeys(t, err); !maps.Equal(got, map[string]string{"idempotency_key": "dossier.idempotency.required"}) {
				t.Errorf("key %q: %v", key, got)
			}
		}
		_, err := e.svc.Submit(e.ctx, e.official("badinh.tiepnhan"), e.birth("Bé Na"), "k1")
		wantErr(t, err, errs.Forbidden, "")
		_, err = e.svc.Submit(e.ctx, authz.AnonymousPrincipal, e.birth("Bé Na"), "k1")
		wantErr(t, err, errs.Unauthenticated, "")
		if n := e.rows("dossiers"); n != 0 {
			t.Errorf("%d dossiers written", n)
		}
	})
}

func TestSubmit(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		e.clk.Set(at("2026-03-02 20:15"))
		a := e.birth("Bé Na")
		// The identity is the signed-in one, whatever the form says.
		a.Applicant.NationalID = "079123456789"
		a.Channel = "counter"
		a.Form["ho_ten_tre"] = "  Nguyễn Bảo Na  "
		a.Form["khong_co"] = "dropped"
		d, err := e.svc.Submit(e.ctx, c, a, "k1")
		if err != nil {
			t.Fatal(err)
		}
		got := e.get(c, d.ID)
		if got.Applicant.NationalID != c.NationalID || got.Channel != "online" || got.Status != dossier.Submitted || got.Status.External() != 1 ||
			got.Code != "" || got.Step != -1 || got.ReceivingAgency != e.agency(baDinhCentre).ID || !got.SubmittedAt.Equal(at("2026-03-02 20:15")) ||
			!got.DueAt.IsZero() || got.ProcedureVersion != 1 || got.ProcedureName != "Thủ tục đăng ký khai sinh" {
			t.Errorf("submitted dossier = %+v", got)
		}
		if got.Form["ho_ten_tre"] != "Nguyễn Bảo Na" || got.Form["khong_co"] != "" {
			t.Errorf("form = %v", got.Form)
		}
		if len(got.Files) != 1 || got.Files[0].Kind != "component" || got.Files[0].ComponentCode != "TK" || got.Files[0].Size != int64(len("tờ khai Bé Na")) {
			t.Errorf("files = %+v", got.Files)
		}
		if len(got.Events) != 1 || got.Events[0].Action != "submit" || got.Events[0].To != dossier.Submitted || got.Events[0].ActorKind != "citizen" {
			t.Errorf("events = %+v", got.Events)
		}
		// Only the counter digitises paper: an online applicant cannot
		// claim it, and the caller's application is left as it was (it may
		// be retried, or shared by concurrent retries).
		b := e.birth("Bé Bông")
		b.Files[0].Digitized = true
		d2, err := e.svc.Submit(e.ctx, c, b, "k2")
		if err != nil {
			t.Fatal(err)
		}
		if f := e.get(c, d2.ID).Files; len(f) != 1 || f[0].Digitized {
			t.Errorf("an online applicant's file is marked digitised: %+v", f)
		}
		if !b.Files[0].Digitized {
			t.Error("Submit changed the caller's application (Files[0].Digitized): Application is passed by value, but its Files slice is the caller's")
		}
		// What Submit returns is the dossier as stored: acting on it with
		// the version it reports must work.
		if d.Version != got.Version || d.ID != got.ID || d.Status != got.Status {
			t.Errorf("Submit returned version %d, the stored dossier has version %d", d.Version, got.Version)
		}
	})
}

func TestSubmitIdempotency(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		other := e.citizen("Phạm Thị Dung")
		a := e.birth("Bé Na")
		d1, err := e.svc.Submit(e.ctx, c, a, "double-click")
		if err != nil {
			t.Fatal(err)
		}
		before := e.written()
		d2, err := e.svc.Submit(e.ctx, c, e.birth("Bé Na"), "double-click")
		if err != nil {
			t.Fatalf("replay: %v", err)
		}
		if d2.ID != d1.ID {
			t.Errorf("replay made dossier %d, first was %d", d2.ID, d1.ID)
		}
		if after := e.written(); !maps.Equal(before, after) {
			t.Errorf("replay wrote rows: %v → %v", before, after)
		}
		// The same key with a different application.
		b := e.birth("Bé Na")
		b.Form["gioi_tinh_tre"] = "Nam"
		_, err = e.svc.Submit(e.ctx, c, b, "double-click")
		wantErr(t, err, errs.Conflict, "dossier.idempotency.mismatch")
		// Keys belong to one citizen.
		d3, err := e.svc.Submit(e.ctx, other, e.birth("Bé Na"), "double-click")
		if err != nil || d3.ID == d1.ID {
			t.Errorf("another citizen's key: %d, %v", d3.ID, err)
		}
		// After the dossier moved on, the replay still answers with it.
		e.clk.Set(at("2026-03-02 09:00"))
		desk := e.official("badinh.tiepnhan")
		cur := e.get(desk, d1.ID)
		e.do(desk, &cur, dossier.Accept, dossier.Input{})
		d4, err := e.svc.Submit(e.ctx, c, e.birth("Bé Na"), "double-click")
		if err != nil || d4.ID != d1.ID || d4.Code != cur.Code {
			t.Errorf("replay after acceptance: %+v, %v", d4, err)
		}
		if n := e.count(`SELECT COUNT(*) FROM dossiers WHERE applicant_national_id = ?`, c.NationalID); n != 1 {
			t.Errorf("%d dossiers for the citizen, want 1", n)
		}
	})
}

func TestGetAndMine(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		other := e.citizen("Phạm Thị Dung")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00"))
		later := e.submit(c, e.reRegistration("Nguyễn Văn An"))
		theirs := e.submit(other, e.birth("Bé Bông"))

		for _, user := range []string{"badinh.tiepnhan", "badinh.chuyenvien", "badinh.truongphong", "badinh.lanhdao"} {
			if got := e.get(e.official(user), d.ID); got.Code != d.Code || len(got.Events) != 2 {
				t.Errorf("%s reads %+v", user, got)
			}
		}
		if got := e.get(c, d.ID); got.Applicant.FullName != "Nguyễn Văn An" {
			t.Errorf("applicant reads %+v", got)
		}
		records := e.rows("audit_log")
		for _, tt := range []struct {
			who  *authz.Principal
			kind errs.Kind
		}{
			{other, errs.NotFound},
			{e.official("tuphap.chuyenvien"), errs.NotFound},
			{e.official("tuphap.lanhdao"), errs.NotFound},
			{e.official("admin"), errs.NotFound}, // platform administrators do not read citizens' dossiers
			{e.official("xaydung.chuyenvien"), errs.NotFound},
			{authz.AnonymousPrincipal, errs.Unauthenticated},
		} {
			_, err := e.svc.Get(e.ctx, tt.who, d.ID)
			wantErr(t, err, tt.kind, "")
		}
		if n := e.rows("audit_log"); n != records {
			t.Errorf("refused reads wrote %d audit records", n-records)
		}
		_, err := e.svc.Get(e.ctx, c, 999999)
		wantErr(t, err, errs.NotFound, "dossier.not_found")

		mine, err := e.svc.Mine(e.ctx, c)
		if err != nil {
			t.Fatal(err)
		}
		if got := ids(mine); !slices.Equal(got, []int64{later.ID, d.ID}) {
			t.Errorf("Mine = %v, want %v (newest first)", got, []int64{later.ID, d.ID})
		}
		if mine, _ := e.svc.Mine(e.ctx, other); !slices.Equal(ids(mine), []int64{theirs.ID}) {
			t.Errorf("the other citizen's Mine = %v", ids(mine))
		}
		_, err = e.svc.Mine(e.ctx, e.official("badinh.tiepnhan"))
		wantErr(t, err, errs.Unauthenticated, "")
	})
}

func TestLookup(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-04-24 16:00"))
		if d.Code != "000.01.50.H26-260424-0001" {
			t.Fatalf("code %q", d.Code)
		}
		// A cancelled context makes any query fail: a malformed code must
		// be refused before the database is asked.
		cancelled, cancel := context.WithCancel(e.ctx)
		cancel()
		for _, code := range []string{"", "abc", "000.01.50.H26-260424", "000.01.50.H26-261324-0001", "000.01.50.H26-260424-0000",
			"' OR 1=1 --", "000.01.50.H26-260424-0001; DROP TABLE dossiers", strings.Repeat("9", 100)} {
			_, err := e.svc.Lookup(cancelled, code)
			if got := fieldKeys(t, err); !maps.Equal(got, map[string]string{"code": "dossier.code.malformed"}) {
				t.Errorf("Lookup(%q): %v", code, got)
			}
		}
		if _, err := e.svc.Lookup(cancelled, "000.01.50.H26-260424-0002"); err == nil || errs.Is(err, errs.Invalid) || errs.Is(err, errs.NotFound) {
			t.Fatalf("the cancelled context does not stop queries (%v): the test above proves nothing", err)
		}
		for _, code := range []string{"000.01.50.H26-260424-0002", "000.01.51.H26-260424-0001", "H26.50.01-260424-000001"} {
			_, err := e.svc.Lookup(e.ctx, code)
			wantErr(t, err, errs.NotFound, "dossier.not_found")
		}
		pub, err := e.svc.Lookup(e.ctx, " 000.01.50.h26-260424-0001 ")
		if err != nil {
			t.Fatal(err)
		}
		want := dossier.Public{Code: d.Code, ProcedureCode: khaiSinh, ProcedureName: "Thủ tục đăng ký khai sinh", Status: dossier.Processing,
			External: 4, ReceivedAt: d.ReceivedAt, DueAt: d.DueAt}
		if !pub.ReceivedAt.Equal(want.ReceivedAt) || !pub.DueAt.Equal(at("2026-04-28 17:00")) {
			t.Errorf("public dates = %s, %s", show(pub.ReceivedAt), show(pub.DueAt))
		}
		pub.ReceivedAt, pub.DueAt = want.ReceivedAt, want.DueAt // compared as instants above
		if !reflect.DeepEqual(pub, want) {
			t.Errorf("Lookup = %+v, want %+v", pub, want)
		}
		// Nothing personal: no field for it, and none of the applicant's
		// data anywhere in what is shown.
		var fields []string
		for f := range reflect.TypeFor[dossier.Public]().Fields() {
			fields = append(fields, f.Name)
		}
		if want := []string{"Code", "ProcedureCode", "ProcedureName", "Status", "External", "ReceivedAt", "DueAt", "FinishedAt", "ReturnedAt"}; !slices.Equal(fields, want) {
			t.Errorf("Public has fields %v, want only %v", fields, want)
		}
		b, _ := json.Marshal(pub)
		for _, personal := range []string{c.NationalID, "Nguyễn Văn An", "Bé Na", "001090012345", "an@example.test", "Trần Thị Bình"} {
			if strings.Contains(string(b), personal) {
				t.Errorf("the public record shows %q: %s", personal, b)
			}
		}
	})
}

// TestAuditTrail: every action and every read of a dossier is in the
// audit log under the applicant's national ID, and the chain holds.
func TestAuditTrail(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		c := e.citizen("Nguyễn Văn An")
		desk, spec := e.official("badinh.tiepnhan"), e.official("badinh.chuyenvien")
		d := e.accepted(c, e.birth("Bé Na"), at("2026-03-02 09:00")) // submit, read (desk), accept
		e.do(spec, &d, dossier.Claim, dossier.Input{})
		e.clk.Set(at("2026-03-02 10:00"))
		e.do(spec, &d, dossier.RequestPayment, dossier.Input{Amount: 8000})
		e.do(desk, &d, dossier.MarkPaid, dossier.Input{})
		e.get(c, d.ID)
		e.issue(&d) // forward, approve, sign, issue_result
		e.do(desk, &d, dossier.ReturnResult, dossier.Input{ReturnChannel: "counter"})
		e.do(c, &d, dossier.Rate, dossier.Input{Rating: "neutral"})
		e.get(e.official("badinh.lanhdao"), d.ID)
		// Refused attempts leave no trace as changes.
		_ = e.try(spec, d, dossier.Forward, dossier.Input{})

		recs, err := e.log.ForSubject(e.ctx, e.d, c.NationalID, 100)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i := len(recs) - 1; i >= 0; i-- {
			r := recs[i]
			if r.ObjectType != "dossier" {
				continue
			}
			got = append(got, r.Action)
			if r.ObjectID != strconv.FormatInt(d.ID, 10) {
				t.Errorf("%s about object %q", r.Action, r.ObjectID)
			}
			if r.PersonalRead != (r.Action == "dossier.read") {
				t.Errorf("%s: personal read %v", r.Action, r.PersonalRead)
			}
		}
		want := []string{"dossier.submit", "dossier.read", "dossier.accept", "dossier.claim", "dossier.request_payment", "dossier.mark_paid",
			"dossier.read", "dossier.forward", "dossier.approve", "dossier.sign", "dossier.issue_result", "dossier.return_result", "dossier.rate",
			"dossier.read"}
		if !slices.Equal(got, want) {
			t.Errorf("audit trail of the applicant:\n got %v\nwant %v", got, want)
		}
		// The actors are who acted.
		if recs[0].ActorName != "badinh.lanhdao" || recs[0].ActorKind != "account" {
			t.Errorf("last record by %s %q", recs[0].ActorKind, recs[0].ActorName)
		}
		if n := e.count(`SELECT COUNT(*) FROM audit_log WHERE object_type = 'dossier' AND subject_national_id <> ?`, c.NationalID); n != 0 {
			t.Errorf("%d dossier records without the applicant's national ID", n)
		}
		if n := e.verifyAudit(); n < int64(len(want)) {
			t.Errorf("chain of %d records", n)
		}
	})
}
