package catalog_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/errs"
)

func TestMain(m *testing.M) { os.Exit(dbtest.Main(m)) }

var operator = &authz.Principal{Kind: authz.Operator, Name: "test"}

type fixture struct {
	svc *catalog.Service
	ags *agency.Service
	d   *db.DB
}

func setup(t *testing.T, d *db.DB) fixture {
	t.Helper()
	ctx := context.Background()
	now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
	log := audit.New(now)
	ags := agency.NewService(d, log, now)
	for _, in := range []agency.Input{
		{Code: "H26", Kind: agency.PeoplesCommittee, Tier: "province", NameVI: "Ủy ban nhân dân Thành phố Hà Nội", Active: true},
		{Code: "H26.12", ParentCode: "H26", Kind: agency.Department, Tier: "province", NameVI: "Sở Tư pháp", Active: true},
		{Code: "H26.50", ParentCode: "H26", Kind: agency.PeoplesCommittee, Tier: "commune", NameVI: "Ủy ban nhân dân Phường Ba Đình", Active: true},
	} {
		if _, err := ags.Create(ctx, operator, in); err != nil {
			t.Fatal(err)
		}
	}
	return fixture{svc: catalog.NewService(d, log, ags, now), ags: ags, d: d}
}

func proc(code, name, field string, days int) catalog.Document {
	return catalog.Document{
		Code: code, NameVI: name, Field: field, Levels: []string{"commune"}, Agencies: []string{"H26.50"},
		Applicants: []string{"citizen"}, OnlineLevel: "full", Steps: "Nộp hồ sơ.", Description: "Mô tả " + name,
		Results:    []catalog.Result{{NameVI: "Giấy chứng nhận"}},
		LegalBasis: []catalog.Legal{{Number: "60/2014/QH13", Title: "Luật Hộ tịch", Date: "2014-11-20"}},
		Cases: []catalog.Case{{Code: "TH1", NameVI: "Trường hợp chung", Time: catalog.Duration{Value: days, Unit: catalog.WorkingDays},
			Channels:   []string{"counter", "online"},
			Fees:       []catalog.Fee{{Kind: "charge", NameVI: "Lệ phí", AmountVND: 8000, PayableOnline: true}},
			Components: []catalog.Component{{Code: "TP1", NameVI: "Tờ khai", Required: true, Originals: 1, Template: "form"}},
			Form:       []catalog.FormField{{Name: "full_name", LabelVI: "Họ và tên", Type: "text", Required: true, Prefill: "applicant.full_name"}},
			Process: []catalog.Step{
				{NameVI: "Tiếp nhận", Role: "reception-officer", Duration: catalog.Duration{Value: 4, Unit: catalog.WorkingHours}},
				{NameVI: "Thẩm định", Role: "specialist", Duration: catalog.Duration{Value: 4, Unit: catalog.WorkingHours}},
			}}},
	}
}

func bundle(docs ...catalog.Document) catalog.Bundle {
	return catalog.Bundle{Format: catalog.Format, Fields: []catalog.Field{{Code: "HT", NameVI: "Hộ tịch", NameEN: "Civil status"}, {Code: "CT", NameVI: "Chứng thực"}}, Procedures: docs}
}

func TestImportSearchVersions(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		docs := []catalog.Document{
			proc("1.001193", "Đăng ký khai sinh", "HT", 1),
			proc("1.000656", "Đăng ký khai sinh có yếu tố nước ngoài", "HT", 3),
			proc("1.004884", "Đăng ký lại khai sinh", "HT", 5),
			proc("1.000894", "Đăng ký kết hôn", "HT", 1),
			proc("2.000815", "Chứng thực bản sao từ bản chính", "CT", 1),
		}
		// Khai sinh also appears outside the name of this one.
		docs[4].Description = "Dùng cho giấy khai sinh và các giấy tờ khác"
		res, err := f.svc.Import(ctx, operator, bundle(docs...), true)
		if err != nil {
			t.Fatal(err)
		}
		if res.Procedures != 5 || res.Published != 5 {
			t.Fatalf("import = %+v", res)
		}
		for _, q := range []string{"khai sinh", "dang ky khai sinh", "ĐĂNG KÝ KHAI SINH", "Đăng ký khai sinh", "  đăng-ký   KHAI sinh!", "khai sin"} {
			r, err := f.svc.Search(ctx, catalog.Query{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Items) == 0 || r.Items[0].Code != "1.001193" {
				t.Errorf("search %q: first = %+v", q, r.Items)
			}
			if q == "khai sinh" && (r.Total != 4 || r.Items[3].Code != "2.000815") {
				t.Errorf("search %q: %d results, last %+v; want the description match last", q, r.Total, r.Items)
			}
		}
		for _, q := range []string{`"`, `*`, `OR`, `-`, `'; DROP TABLE procedures; --`, `khai OR sinh`, `NEAR(khai sinh)`, "", strings.Repeat("khai sinh ", 100)} {
			if _, err := f.svc.Search(ctx, catalog.Query{Text: q}); err != nil {
				t.Errorf("search %q: %v", q, err)
			}
		}
		r, _ := f.svc.Search(ctx, catalog.Query{Field: "CT"})
		if r.Total != 1 || r.Items[0].Code != "2.000815" {
			t.Errorf("field filter: %+v", r)
		}
		r, _ = f.svc.Search(ctx, catalog.Query{Text: "ket hon", Agency: "H26.50", Level: "commune", Applicant: "citizen", Online: "full"})
		if r.Total != 1 {
			t.Errorf("all filters: %+v", r)
		}
		r, _ = f.svc.Search(ctx, catalog.Query{Agency: "H26.12"})
		if r.Total != 0 {
			t.Errorf("agency filter matched %d", r.Total)
		}
		r, _ = f.svc.Search(ctx, catalog.Query{PerPage: 2, Page: 3})
		if r.Total != 5 || len(r.Items) != 1 || r.Pages() != 3 {
			t.Errorf("paging: %+v", r)
		}

		// A second version: the first stays readable by number.
		adm, err := f.svc.AdminView(ctx, operator, "1.001193")
		if err != nil {
			t.Fatal(err)
		}
		v2 := docs[0]
		v2.Cases[0].Time.Value = 2
		v2.NameVI = "Đăng ký khai sinh (sửa đổi)"
		if _, err := f.svc.SaveDraft(ctx, operator, v2, adm.Lock); err != nil {
			t.Fatal(err)
		}
		if cur, _ := f.svc.Published(ctx, "1.001193", 0); cur.Number != 1 {
			t.Errorf("a draft changed the published version: %d", cur.Number)
		}
		if _, err := f.svc.SaveDraft(ctx, operator, v2, adm.Lock); !errs.Is(err, errs.Conflict) {
			t.Errorf("saving with a stale lock: %v", err)
		}
		if _, err := f.svc.Publish(ctx, operator, "1.001193"); err != nil {
			t.Fatal(err)
		}
		cur, _ := f.svc.Published(ctx, "1.001193", 0)
		old, err := f.svc.Published(ctx, "1.001193", 1)
		if err != nil || cur.Number != 2 || old.Number != 1 || old.Status != catalog.Superseded || old.Doc.Cases[0].Time.Value != 1 {
			t.Fatalf("versions: current %d, old %+v %v", cur.Number, old.Status, err)
		}
		changes := catalog.Compare(old.Doc, cur.Doc)
		want := []catalog.Change{{Path: "cases[0].time.value", Before: "1", After: "2"}, {Path: "name_vi", Before: "Đăng ký khai sinh", After: "Đăng ký khai sinh (sửa đổi)"}}
		if diff := cmp.Diff(want, changes); diff != "" {
			t.Errorf("Compare (-want +got):\n%s", diff)
		}
		r, _ = f.svc.Search(ctx, catalog.Query{Text: "sua doi"})
		if r.Total != 1 || r.Items[0].Version != 2 {
			t.Errorf("search after republish: %+v", r)
		}

		// Withdrawn: gone from the portal, old versions still readable.
		if err := f.svc.Withdraw(ctx, operator, "1.000894", "Bãi bỏ theo Quyết định số 1/QĐ"); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Published(ctx, "1.000894", 0); !errs.Is(err, errs.NotFound) {
			t.Errorf("withdrawn procedure still published: %v", err)
		}
		if v, err := f.svc.Published(ctx, "1.000894", 1); err != nil || v.Status != catalog.Withdrawn {
			t.Errorf("withdrawn version 1: %+v %v", v.Status, err)
		}
		if r, _ := f.svc.Search(ctx, catalog.Query{Text: "ket hon"}); r.Total != 0 {
			t.Errorf("withdrawn procedure still found")
		}

		// Export round-trips exactly.
		exp, err := f.svc.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(exp.Procedures) != 4 {
			t.Fatalf("export has %d procedures", len(exp.Procedures))
		}
		f2 := setup(t, dbtest.Open(t, dbtest.Engine(d.Dialect().String())))
		if _, err := f2.svc.Import(ctx, operator, exp, true); err != nil {
			t.Fatal(err)
		}
		exp2, _ := f2.svc.Export(ctx)
		if diff := cmp.Diff(exp, exp2); diff != "" {
			t.Errorf("export → import → export differs:\n%s", diff)
		}
	})
}

func TestImportAllOrNothing(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		good := proc("1.001193", "Đăng ký khai sinh", "HT", 1)
		bad := proc("1.000894", "Đăng ký kết hôn", "HT", 1)
		bad.Cases[0].Fees[0].AmountVND = -5
		bad.Cases[0].Process[1].Duration = catalog.Duration{Value: 3, Unit: catalog.WorkingDays}
		dup := proc("1.001193", "Trùng mã", "HT", 1)
		badCode := proc("1.2345", "Mã sai", "XX", 1)
		_, err := f.svc.Import(ctx, operator, bundle(good, bad, dup, badCode), true)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid {
			t.Fatalf("import with errors = %v", err)
		}
		want := map[string]string{
			"procedures[1].cases[0].fees[0].amount_vnd": "catalog.fee.negative",
			"procedures[1].cases[0].process":            "catalog.process.too_long",
			"procedures[2].code":                        "catalog.import.duplicate_code",
			"procedures[3].code":                        "catalog.code.invalid",
			"procedures[3].field":                       "catalog.field.unknown",
		}
		got := map[string]string{}
		for k, m := range e.Fields {
			got[k] = m.Key
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("problems (-want +got):\n%s", diff)
		}
		r, _ := f.svc.Search(ctx, catalog.Query{})
		fs, _ := f.svc.Fields(ctx)
		if r.Total != 0 || len(fs) != 0 {
			t.Errorf("a failed import wrote %d procedures and %d fields", r.Total, len(fs))
		}
		if _, err := f.svc.Import(ctx, operator, catalog.Bundle{Format: "other"}, true); !errs.Is(err, errs.Invalid) {
			t.Errorf("wrong format: %v", err)
		}
	})
}

func TestAuthorisation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		f := setup(t, d)
		if _, err := f.svc.Import(ctx, operator, bundle(), false); err != nil {
			t.Fatal(err)
		}
		justice, _ := f.ags.ByCode(ctx, "H26.12")
		ward, _ := f.ags.ByCode(ctx, "H26.50")
		justiceAdmin := &authz.Principal{Kind: authz.Official, ID: 5, Username: "tp", Grants: []authz.Grant{{Role: authz.AgencyAdmin, AgencyPath: justice.Path, Subtree: true}}}
		wardAdmin := &authz.Principal{Kind: authz.Official, ID: 6, Username: "bd", Grants: []authz.Grant{{Role: authz.AgencyAdmin, AgencyPath: ward.Path, Subtree: true}}}
		doc := proc("1.001193", "Đăng ký khai sinh", "HT", 1) // carried out by the ward
		if _, err := f.svc.SaveDraft(ctx, justiceAdmin, doc, 0); !errs.Is(err, errs.Forbidden) {
			t.Errorf("another agency's admin saved a draft: %v", err)
		}
		if _, err := f.svc.SaveDraft(ctx, wardAdmin, doc, 0); err != nil {
			t.Errorf("the ward's admin: %v", err)
		}
		if _, err := f.svc.Publish(ctx, justiceAdmin, "1.001193"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("another agency's admin published: %v", err)
		}
		if _, err := f.svc.Publish(ctx, wardAdmin, "1.001193"); err != nil {
			t.Errorf("publish: %v", err)
		}
		if _, err := f.svc.Publish(ctx, wardAdmin, "1.001193"); !errs.Is(err, errs.Conflict) {
			t.Errorf("publishing without a draft: %v", err)
		}
		citizen := &authz.Principal{Kind: authz.Citizen, ID: 1, NationalID: "001085012345"}
		if _, err := f.svc.AdminView(ctx, citizen, "1.001193"); !errs.Is(err, errs.Forbidden) {
			t.Errorf("a citizen saw the admin view: %v", err)
		}
		_ = fmt.Sprint()
	})
}
