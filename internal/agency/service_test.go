package agency_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/errs"
)

// clock is an adjustable clock shared by the service and the audit log.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// operator is the command-line operator, who may do anything.
var operator = &authz.Principal{Kind: authz.Operator, Name: "test"}

type fixture struct {
	t   *testing.T
	ctx context.Context
	d   *db.DB
	svc *agency.Service
	log *audit.Log
	clk *clock
}

func setup(t *testing.T, d *db.DB) *fixture {
	clk := &clock{t: time.Date(2026, 3, 2, 1, 30, 0, 0, time.UTC)} // 08:30 in Hà Nội
	log := audit.New(clk.Now)
	return &fixture{t: t, ctx: context.Background(), d: d, svc: agency.NewService(d, log, clk.Now), log: log, clk: clk}
}

func input(code, parent string, kind agency.Kind, tier, name string) agency.Input {
	return agency.Input{Code: code, ParentCode: parent, Kind: kind, Tier: tier, NameVI: name, Active: true}
}

// asInput turns a stored agency back into an editor's input, under parent.
func asInput(a agency.Agency, parent string) agency.Input {
	return agency.Input{
		Code: a.Code.String(), ParentCode: parent, Kind: a.Kind, Tier: a.Tier, NameVI: a.NameVI, NameEN: a.NameEN,
		ShortName: a.ShortName, AdminUnitCode: a.AdminUnitCode, Address: a.Address, Phone: a.Phone, Email: a.Email,
		WorkingHours: a.WorkingHours, Active: a.Active,
	}
}

func (f *fixture) create(p *authz.Principal, in agency.Input) agency.Agency {
	f.t.Helper()
	a, err := f.svc.Create(f.ctx, p, in)
	if err != nil {
		f.t.Fatalf("Create(%s): %v", in.Code, err)
	}
	return a
}

func (f *fixture) byCode(code string) agency.Agency {
	f.t.Helper()
	a, err := f.svc.ByCode(f.ctx, code)
	if err != nil {
		f.t.Fatalf("ByCode(%s): %v", code, err)
	}
	return a
}

func (f *fixture) count(table string) int {
	f.t.Helper()
	var n int
	if err := f.d.QueryRowContext(f.ctx, `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatalf("count %s: %v", table, err)
	}
	return n
}

func (f *fixture) list() []agency.Agency {
	f.t.Helper()
	as, err := f.svc.List(f.ctx)
	if err != nil {
		f.t.Fatalf("List: %v", err)
	}
	return as
}

func (f *fixture) verifyAudit(wantRecords int64) {
	f.t.Helper()
	res, err := f.log.Verify(f.ctx, f.d)
	if err != nil {
		f.t.Fatalf("Verify: %v", err)
	}
	if !res.OK || res.Records != wantRecords {
		f.t.Errorf("audit Verify = %+v, want OK with %d records", res, wantRecords)
	}
}

// tree is the Hà Nội organisation used by most tests. It is created in an
// order that is not code order, so that List has to sort.
type tree struct {
	root         agency.Agency // H26 UBND Thành phố Hà Nội
	justice      agency.Agency // H26.12 Sở Tư pháp
	justice1     agency.Agency // H26.12.01
	justice1Team agency.Agency // H26.12.01.03, a fourth level
	justice2     agency.Agency // H26.12.02
	construction agency.Agency // H26.05 Sở Xây dựng
	construct1   agency.Agency // H26.05.01
	centre       agency.Agency // H26.107 Trung tâm Phục vụ hành chính công
}

func (f *fixture) buildTree() tree {
	f.t.Helper()
	var tr tree
	tr.root = f.create(operator, input("H26", "", agency.PeoplesCommittee, "province", "Ủy ban nhân dân Thành phố Hà Nội"))
	tr.justice = f.create(operator, input("H26.12", "H26", agency.Department, "province", "Sở Tư pháp"))
	tr.justice2 = f.create(operator, input("H26.12.02", "H26.12", agency.Unit, "province", "Phòng Bổ trợ tư pháp"))
	tr.justice1 = f.create(operator, input("H26.12.01", "H26.12", agency.Unit, "province", "Phòng Hành chính tư pháp"))
	tr.construction = f.create(operator, input("H26.05", "H26", agency.Department, "province", "Sở Xây dựng"))
	tr.construct1 = f.create(operator, input("H26.05.01", "H26.05", agency.Unit, "province", "Phòng Quản lý xây dựng"))
	tr.centre = f.create(operator, input("H26.107", "H26", agency.ServiceCentre, "province", "Trung tâm Phục vụ hành chính công"))
	tr.justice1Team = f.create(operator, input("H26.12.01.03", "H26.12.01", agency.Unit, "province", "Tổ Hộ tịch"))
	return tr
}

// treeCodes is the List order of buildTree's agencies: depth first,
// siblings by code.
var treeCodes = []string{"H26", "H26.05", "H26.05.01", "H26.107", "H26.12", "H26.12.01", "H26.12.01.03", "H26.12.02"}

func codes(as []agency.Agency) []string {
	out := make([]string, len(as))
	for i, a := range as {
		out[i] = a.Code.String()
	}
	return out
}

// checkPaths checks that every agency's path and depth follow from its
// parent's: path = parent's path + own id + "/", depth = parent's + 1.
func (f *fixture) checkPaths() {
	f.t.Helper()
	as := f.list()
	byID := map[int64]agency.Agency{}
	for _, a := range as {
		byID[a.ID] = a
	}
	for _, a := range as {
		wantPath, wantDepth := fmt.Sprintf("/%d/", a.ID), 1
		if a.ParentID != 0 {
			p, ok := byID[a.ParentID]
			if !ok {
				f.t.Errorf("%s: parent %d does not exist", a.Code, a.ParentID)
				continue
			}
			wantPath, wantDepth = fmt.Sprintf("%s%d/", p.Path, a.ID), p.Depth+1
		}
		if a.Path != wantPath || a.Depth != wantDepth {
			f.t.Errorf("%s: path %q depth %d, want %q depth %d", a.Code, a.Path, a.Depth, wantPath, wantDepth)
		}
	}
}

// codeEq compares agency codes, whose field is unexported.
var codeEq = cmp.Comparer(func(a, b agency.Code) bool { return a == b })

func wantKind(t *testing.T, err error, kind errs.Kind) {
	t.Helper()
	if got := errs.KindOf(err); err == nil || got != kind {
		t.Fatalf("error = %v (kind %v), want kind %v", err, got, kind)
	}
}

// fieldKeys returns an Invalid error's fields as field → message key.
func fieldKeys(t *testing.T, err error) map[string]string {
	t.Helper()
	e, ok := errs.As(err)
	if !ok || e.Kind != errs.Invalid {
		t.Fatalf("error = %v, want an Invalid *errs.Error", err)
	}
	out := map[string]string{}
	for k, m := range e.Fields {
		out[k] = m.Key
	}
	return out
}

func official(username string, role authz.Role, at agency.Agency, subtree bool) *authz.Principal {
	return &authz.Principal{Kind: authz.Official, ID: 77, Username: username, Name: username,
		AgencyID: at.ID, AgencyCode: at.Code.String(),
		Grants: []authz.Grant{{Role: role, AgencyID: at.ID, AgencyCode: at.Code.String(), AgencyPath: at.Path, Subtree: subtree}}}
}

func TestCreateTree(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		tr := f.buildTree()
		ctx := f.ctx

		for _, c := range []struct {
			a      agency.Agency
			parent *agency.Agency
		}{
			{tr.root, nil}, {tr.justice, &tr.root}, {tr.justice1, &tr.justice}, {tr.justice2, &tr.justice},
			{tr.justice1Team, &tr.justice1}, {tr.construction, &tr.root}, {tr.construct1, &tr.construction}, {tr.centre, &tr.root},
		} {
			wantPath, wantDepth, wantParent := fmt.Sprintf("/%d/", c.a.ID), 1, int64(0)
			if c.parent != nil {
				wantPath, wantDepth, wantParent = fmt.Sprintf("%s%d/", c.parent.Path, c.a.ID), c.parent.Depth+1, c.parent.ID
			}
			if c.a.ID == 0 || c.a.Path != wantPath || c.a.Depth != wantDepth || c.a.ParentID != wantParent {
				t.Errorf("%s: id %d parent %d path %q depth %d, want parent %d path %q depth %d",
					c.a.Code, c.a.ID, c.a.ParentID, c.a.Path, c.a.Depth, wantParent, wantPath, wantDepth)
			}
			if c.a.Version != 1 || !c.a.CreatedAt.Equal(f.clk.Now()) || !c.a.UpdatedAt.Equal(f.clk.Now()) {
				t.Errorf("%s: version %d created %v updated %v, want 1 and %v", c.a.Code, c.a.Version, c.a.CreatedAt, c.a.UpdatedAt, f.clk.Now())
			}
			// What Create returned is what is stored.
			got, err := f.svc.Get(ctx, c.a.ID)
			if err != nil {
				t.Fatalf("Get(%d): %v", c.a.ID, err)
			}
			if diff := cmp.Diff(c.a, got, codeEq); diff != "" {
				t.Errorf("Get(%s) differs from Create's result (-create +get):\n%s", c.a.Code, diff)
			}
		}

		// ByCode takes either order, and any case.
		for code, want := range map[string]agency.Agency{
			"H26": tr.root, "h26.12": tr.justice, " H26.12.01 ": tr.justice1, "000.00.12.H26": tr.justice,
			"000.01.12.H26": tr.justice1, "000.00.00.H26": tr.root, "H26.12.01.03": tr.justice1Team,
		} {
			got, err := f.svc.ByCode(ctx, code)
			if err != nil || got.ID != want.ID {
				t.Errorf("ByCode(%q) = %s (%d), %v; want %s (%d)", code, got.Code, got.ID, err, want.Code, want.ID)
			}
		}
		for _, code := range []string{"H26.99", "H29", "not a code", "", "000.99.12.H26"} {
			_, err := f.svc.ByCode(ctx, code)
			if !errs.Is(err, errs.NotFound) {
				t.Errorf("ByCode(%q) error = %v, want NotFound", code, err)
			}
		}
		if _, err := f.svc.Get(ctx, 987654); !errs.Is(err, errs.NotFound) {
			t.Errorf("Get(unknown) error = %v, want NotFound", err)
		}

		m, err := f.svc.ByIDs(ctx, []int64{tr.root.ID, tr.justice1Team.ID, 987654})
		if err != nil {
			t.Fatal(err)
		}
		if len(m) != 2 || m[tr.root.ID].Code != tr.root.Code || m[tr.justice1Team.ID].Path != tr.justice1Team.Path {
			t.Errorf("ByIDs = %v, want the root and the team only", m)
		}
		if m, err := f.svc.ByIDs(ctx, nil); err != nil || len(m) != 0 {
			t.Errorf("ByIDs(nil) = %v, %v", m, err)
		}

		if p, err := f.svc.PathOf(ctx, tr.justice1Team.ID); err != nil || p != tr.justice1Team.Path {
			t.Errorf("PathOf(team) = %q, %v; want %q", p, err, tr.justice1Team.Path)
		}
		if _, err := f.svc.PathOf(ctx, 987654); !errs.Is(err, errs.NotFound) {
			t.Errorf("PathOf(unknown) error = %v, want NotFound", err)
		}

		// Tree order, not creation order nor id order.
		if diff := cmp.Diff(treeCodes, codes(f.list())); diff != "" {
			t.Errorf("List order (-want +got):\n%s", diff)
		}
		for _, c := range []struct {
			path string
			want []string
		}{
			{tr.justice.Path, []string{"H26.12", "H26.12.01", "H26.12.01.03", "H26.12.02"}},
			{tr.construction.Path, []string{"H26.05", "H26.05.01"}},
			{tr.justice1Team.Path, []string{"H26.12.01.03"}},
			{tr.root.Path, treeCodes},
		} {
			sub, err := f.svc.Subtree(ctx, c.path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, codes(sub)); diff != "" {
				t.Errorf("Subtree(%s) (-want +got):\n%s", c.path, diff)
			}
		}
		f.checkPaths()

		tiers, err := f.svc.Tiers(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := []agency.Tier{
			{Code: "central", Rank: 0, NameVI: "Trung ương", NameEN: "Central", ValidFrom: "1945-09-02"},
			{Code: "province", Rank: 1, NameVI: "Cấp tỉnh", NameEN: "Province level", ValidFrom: "1945-09-02"},
			{Code: "district", Rank: 2, NameVI: "Cấp huyện", NameEN: "District level", ValidFrom: "1945-09-02", ValidTo: "2025-06-30"},
			{Code: "commune", Rank: 3, NameVI: "Cấp xã", NameEN: "Commune level", ValidFrom: "1945-09-02"},
		}
		if diff := cmp.Diff(want, tiers); diff != "" {
			t.Errorf("Tiers (-want +got):\n%s", diff)
		}
	})
}

// TestCreateNormalises checks that what an administrator types is cleaned
// before it is stored: codes upper-cased, text trimmed, working hours in
// their canonical form, codes in the right-to-left order accepted.
func TestCreateNormalises(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.create(operator, input("H26", "", agency.PeoplesCommittee, "province", "UBND Thành phố Hà Nội"))
		a := f.create(operator, agency.Input{
			Code: " 000.00.12.h26 ", ParentCode: " h26 ", Kind: agency.Department, Tier: " province ",
			NameVI: "  Sở Tư pháp  ", NameEN: " Department of Justice ", ShortName: " STP ",
			Address: " 1B Trần Phú, Phường Hà Đông ", Phone: " 024 3355 1234 ", Email: " sotuphap@hanoi.gov.vn ",
			WorkingHours: "07:30 - 11:30, 13:30–17:00", Active: true,
		})
		got, err := f.svc.Get(f.ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Code.String() != "H26.12" || got.NameVI != "Sở Tư pháp" || got.NameEN != "Department of Justice" ||
			got.ShortName != "STP" || got.Tier != "province" || got.Address != "1B Trần Phú, Phường Hà Đông" ||
			got.Phone != "024 3355 1234" || got.Email != "sotuphap@hanoi.gov.vn" ||
			got.WorkingHours != "07:30-11:30,13:30-17:00" || !got.Active || got.Depth != 2 {
			t.Errorf("stored %+v", got)
		}
		if got.Name("en") != "Department of Justice" || got.Name("vi") != "Sở Tư pháp" {
			t.Errorf("Name: %q / %q", got.Name("en"), got.Name("vi"))
		}
		inactive := input("H26.13", "H26", agency.Unit, "province", "Đơn vị tạm ngừng")
		inactive.Active = false
		if b := f.create(operator, inactive); b.Active {
			t.Error("an agency created inactive is active")
		} else if got, _ := f.svc.Get(f.ctx, b.ID); got.Active {
			t.Error("an agency created inactive is stored active")
		}
	})
}

func TestCreateValidation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		if _, err := d.ExecContext(ctx, `INSERT INTO admin_units (code, name, kind, province_code, folded)
			VALUES ('01', 'Thành phố Hà Nội', 'city', '01', 'thanh pho ha noi')`); err != nil {
			t.Fatal(err)
		}
		f.create(operator, input("H26", "", agency.PeoplesCommittee, "province", "Ủy ban nhân dân Thành phố Hà Nội"))
		f.create(operator, input("H26.12", "H26", agency.Department, "province", "Sở Tư pháp"))

		valid := agency.Input{Code: "H26.20", ParentCode: "H26", Kind: agency.Department, Tier: "province",
			NameVI: "Sở Y tế", AdminUnitCode: "01", Email: "soyte@hanoi.gov.vn", WorkingHours: "08:00-12:00,13:00-17:00", Active: true}

		tests := []struct {
			name   string
			change func(in *agency.Input)
			want   map[string]string
		}{
			{"empty code", func(in *agency.Input) { in.Code = "  " }, map[string]string{"code": "agency.code.empty"}},
			{"no level-1 group", func(in *agency.Input) { in.Code = "26.20" }, map[string]string{"code": "agency.code.level1"}},
			{"character outside the alphabet", func(in *agency.Input) { in.Code = "H26.2Đ" }, map[string]string{"code": "agency.code.charset"}},
			{"empty group", func(in *agency.Input) { in.Code = "H26..20" }, map[string]string{"code": "agency.code.group"}},
			{"all-zero group", func(in *agency.Input) { in.Code = "H26.00" }, map[string]string{"code": "agency.code.group"}},
			{"longer than 35 characters", func(in *agency.Input) { in.Code = "H26." + strings.Repeat("7", 32) }, map[string]string{"code": "agency.code.length"}},
			{"duplicate code", func(in *agency.Input) { in.Code = "H26.12" }, map[string]string{"code": "agency.code.duplicate"}},
			{"duplicate code written right to left", func(in *agency.Input) { in.Code = "000.00.12.h26" }, map[string]string{"code": "agency.code.duplicate"}},
			{"unknown parent", func(in *agency.Input) { in.ParentCode = "H26.99" }, map[string]string{"parent_code": "agency.parent.unknown"}},
			{"parent that is not a code", func(in *agency.Input) { in.ParentCode = "Sở Tư pháp" }, map[string]string{"parent_code": "agency.parent.unknown"}},
			{"unknown administrative unit", func(in *agency.Input) { in.AdminUnitCode = "99999" }, map[string]string{"admin_unit_code": "agency.admin_unit.unknown"}},
			{"working hours not HH:MM", func(in *agency.Input) { in.WorkingHours = "8h-17h" }, map[string]string{"working_hours": "agency.working_hours.invalid"}},
			{"working hours reversed", func(in *agency.Input) { in.WorkingHours = "17:00-08:00" }, map[string]string{"working_hours": "agency.working_hours.invalid"}},
			{"working hours overlapping", func(in *agency.Input) { in.WorkingHours = "08:00-12:00,11:00-17:00" }, map[string]string{"working_hours": "agency.working_hours.invalid"}},
			{"bad e-mail", func(in *agency.Input) { in.Email = "soyte at hanoi.gov.vn" }, map[string]string{"email": "field.email"}},
			{"missing name", func(in *agency.Input) { in.NameVI = " \t " }, map[string]string{"name_vi": "field.required"}},
			{"name too long", func(in *agency.Input) { in.NameVI = strings.Repeat("ư", 256) }, map[string]string{"name_vi": "field.too_long"}},
			{"unknown kind", func(in *agency.Input) { in.Kind = "ministry" }, map[string]string{"kind": "agency.kind.invalid"}},
			{"unknown tier", func(in *agency.Input) { in.Tier = "ward" }, map[string]string{"tier": "agency.tier.invalid"}},
			{"every problem at once", func(in *agency.Input) {
				in.Code, in.ParentCode, in.AdminUnitCode, in.WorkingHours, in.Email, in.NameVI, in.Kind, in.Tier =
					"x", "H99", "02", "soon", "@", "", "", ""
			}, map[string]string{
				"code": "agency.code.level1", "parent_code": "agency.parent.unknown", "admin_unit_code": "agency.admin_unit.unknown",
				"working_hours": "agency.working_hours.invalid", "email": "field.email", "name_vi": "field.required",
				"kind": "agency.kind.invalid", "tier": "agency.tier.invalid",
			}},
		}
		agencies, records := f.count("agencies"), f.count("audit_log")
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				in := valid
				tt.change(&in)
				a, err := f.svc.Create(ctx, operator, in)
				if diff := cmp.Diff(tt.want, fieldKeys(t, err)); diff != "" {
					t.Errorf("fields (-want +got):\n%s", diff)
				}
				if a.ID != 0 {
					t.Errorf("Create returned an agency with id %d alongside the error", a.ID)
				}
				if n := f.count("agencies"); n != agencies {
					t.Errorf("%d agencies after a refused Create, want %d", n, agencies)
				}
				if n := f.count("audit_log"); n != records {
					t.Errorf("%d audit records after a refused Create, want %d", n, records)
				}
			})
		}
		_, err := f.svc.Create(ctx, operator, func() agency.Input { in := valid; in.NameVI = strings.Repeat("ư", 256); return in }())
		if e, _ := errs.As(err); e == nil || len(e.Fields["name_vi"].Args) != 1 || e.Fields["name_vi"].Args[0] != 255 {
			t.Errorf("too-long name error = %#v, want the limit 255 as its argument", e)
		}

		// The valid input is valid: the failures above are the changes'.
		a := f.create(operator, valid)
		if a.AdminUnitCode != "01" || a.WorkingHours != "08:00-12:00,13:00-17:00" {
			t.Errorf("created %+v", a)
		}
		if n := f.count("agencies"); n != agencies+1 {
			t.Errorf("%d agencies, want %d", n, agencies+1)
		}
		// 255 characters of Vietnamese is within the limit (counted in
		// characters, not bytes).
		long := valid
		long.Code, long.NameVI = "H26.21", strings.Repeat("ư", 255)
		f.create(operator, long)

		// Update validates the same way and changes nothing on failure.
		before := f.byCode("H26.20")
		for _, c := range []struct {
			name   string
			change func(in *agency.Input)
			want   map[string]string
		}{
			{"code taken by another agency", func(in *agency.Input) { in.Code = "H26.12" }, map[string]string{"code": "agency.code.duplicate"}},
			{"bad e-mail", func(in *agency.Input) { in.Email = "nobody" }, map[string]string{"email": "field.email"}},
			{"unknown parent", func(in *agency.Input) { in.ParentCode = "H27" }, map[string]string{"parent_code": "agency.parent.unknown"}},
		} {
			in := asInput(before, "H26")
			c.change(&in)
			_, err := f.svc.Update(ctx, operator, before.ID, before.Version, in)
			if diff := cmp.Diff(c.want, fieldKeys(t, err)); diff != "" {
				t.Errorf("Update %s: fields (-want +got):\n%s", c.name, diff)
			}
		}
		after := f.byCode("H26.20")
		if diff := cmp.Diff(before, after, codeEq); diff != "" {
			t.Errorf("refused updates changed the agency (-before +after):\n%s", diff)
		}
		f.verifyAudit(int64(records + 2))
	})
}

func TestMoveSubtree(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		tr := f.buildTree()

		// Sở Tư pháp and everything below it moves under Sở Xây dựng.
		f.clk.Advance(time.Hour)
		moved, err := f.svc.Update(ctx, operator, tr.justice.ID, tr.justice.Version, asInput(tr.justice, "H26.05"))
		if err != nil {
			t.Fatal(err)
		}
		if moved.ParentID != tr.construction.ID || moved.Depth != 3 || moved.Version != 2 ||
			moved.Path != fmt.Sprintf("%s%d/", tr.construction.Path, tr.justice.ID) || !moved.UpdatedAt.Equal(f.clk.Now()) {
			t.Errorf("moved = %+v", moved)
		}
		wantPaths := map[string]struct {
			path  string
			depth int
		}{
			"H26.12":       {fmt.Sprintf("%s%d/", tr.construction.Path, tr.justice.ID), 3},
			"H26.12.01":    {fmt.Sprintf("%s%d/%d/", tr.construction.Path, tr.justice.ID, tr.justice1.ID), 4},
			"H26.12.02":    {fmt.Sprintf("%s%d/%d/", tr.construction.Path, tr.justice.ID, tr.justice2.ID), 4},
			"H26.12.01.03": {fmt.Sprintf("%s%d/%d/%d/", tr.construction.Path, tr.justice.ID, tr.justice1.ID, tr.justice1Team.ID), 5},
			// Untouched.
			"H26":       {tr.root.Path, 1},
			"H26.05":    {tr.construction.Path, 2},
			"H26.05.01": {tr.construct1.Path, 3},
			"H26.107":   {tr.centre.Path, 2},
		}
		for code, w := range wantPaths {
			a := f.byCode(code)
			if a.Path != w.path || a.Depth != w.depth {
				t.Errorf("after the move %s has path %q depth %d, want %q depth %d", code, a.Path, a.Depth, w.path, w.depth)
			}
		}
		f.checkPaths()
		sub, err := f.svc.Subtree(ctx, tr.construction.Path)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"H26.05", "H26.05.01", "H26.12", "H26.12.01", "H26.12.01.03", "H26.12.02"}, codes(sub)); diff != "" {
			t.Errorf("Subtree(H26.05) after the move (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff([]string{"H26", "H26.05", "H26.05.01", "H26.12", "H26.12.01", "H26.12.01.03", "H26.12.02", "H26.107"}, codes(f.list())); diff != "" {
			t.Errorf("List after the move (-want +got):\n%s", diff)
		}

		// The audit record says what changed, and only that.
		recs, err := f.log.Recent(ctx, d, 1)
		if err != nil {
			t.Fatal(err)
		}
		var sum struct{ Before, After map[string]any }
		if len(recs) != 1 || json.Unmarshal([]byte(recs[0].Summary), &sum) != nil {
			t.Fatalf("audit records %+v", recs)
		}
		if recs[0].Action != "agency.update" || recs[0].ObjectID != "H26.12" ||
			!slices.Equal(slices.Sorted(maps.Keys(sum.After)), []string{"parent_id"}) ||
			sum.Before["parent_id"] != float64(tr.root.ID) || sum.After["parent_id"] != float64(tr.construction.ID) {
			t.Errorf("audit record of the move: %+v, summary %+v", recs[0], sum)
		}

		// Out to the top of the tree, by the operator.
		moved, err = f.svc.Update(ctx, operator, moved.ID, moved.Version, asInput(moved, ""))
		if err != nil {
			t.Fatal(err)
		}
		if moved.ParentID != 0 || moved.Path != fmt.Sprintf("/%d/", moved.ID) || moved.Depth != 1 {
			t.Errorf("moved to the root: %+v", moved)
		}
		if a := f.byCode("H26.12.01.03"); a.Depth != 3 || a.Path != fmt.Sprintf("/%d/%d/%d/", tr.justice.ID, tr.justice1.ID, tr.justice1Team.ID) {
			t.Errorf("team after the move to the root: path %q depth %d", a.Path, a.Depth)
		}
		f.checkPaths()

		// And back where it started.
		moved, err = f.svc.Update(ctx, operator, moved.ID, moved.Version, asInput(moved, "H26"))
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range []agency.Agency{tr.justice, tr.justice1, tr.justice2, tr.justice1Team} {
			if got := f.byCode(a.Code.String()); got.Path != a.Path || got.Depth != a.Depth {
				t.Errorf("%s back home: path %q depth %d, want %q %d", a.Code, got.Path, got.Depth, a.Path, a.Depth)
			}
		}
		if diff := cmp.Diff(treeCodes, codes(f.list())); diff != "" {
			t.Errorf("List after moving back (-want +got):\n%s", diff)
		}

		// Cycles are refused with a field error and change nothing.
		snapshot := f.list()
		records := f.count("audit_log")
		for _, c := range []struct {
			name   string
			a      agency.Agency
			parent string
		}{
			{"root under its great-grandchild", f.byCode("H26"), "H26.12.01.03"},
			{"department under its own unit", f.byCode("H26.12"), "H26.12.01"},
			{"department under itself", f.byCode("H26.12"), "H26.12"},
			{"unit under itself, right-to-left code", f.byCode("H26.12.01"), "000.01.12.H26"},
		} {
			_, err := f.svc.Update(ctx, operator, c.a.ID, c.a.Version, asInput(c.a, c.parent))
			if diff := cmp.Diff(map[string]string{"parent_code": "agency.parent.cycle"}, fieldKeys(t, err)); diff != "" {
				t.Errorf("%s: fields (-want +got):\n%s", c.name, diff)
			}
		}
		if diff := cmp.Diff(snapshot, f.list(), codeEq); diff != "" {
			t.Errorf("refused moves changed the tree (-before +after):\n%s", diff)
		}
		if n := f.count("audit_log"); n != records {
			t.Errorf("refused moves wrote %d audit records", n-records)
		}
		f.verifyAudit(int64(records))
	})
}

// TestMoveLeavesPrefixSiblingsAlone moves an agency whose id is a textual
// prefix of another's (2 and 20, say): paths end in "/", so /…/2/ must not
// take /…/20/ and its children along.
func TestMoveLeavesPrefixSiblingsAlone(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		f.create(operator, input("H26", "", agency.PeoplesCommittee, "province", "UBND"))
		target := f.create(operator, input("H26.1", "H26", agency.Department, "province", "Sở mới"))
		a := f.create(operator, input("H26.2", "H26", agency.Department, "province", "Sở A"))
		aChild := f.create(operator, input("H26.2.1", "H26.2", agency.Unit, "province", "Phòng của Sở A"))
		prefix := strconv.FormatInt(a.ID, 10)
		var b agency.Agency
		for i := 3; i < 200; i++ {
			x := f.create(operator, input(fmt.Sprintf("H26.%d", i), "H26", agency.Department, "province", fmt.Sprintf("Sở %d", i)))
			if id := strconv.FormatInt(x.ID, 10); strings.HasPrefix(id, prefix) && id != prefix {
				b = x
				break
			}
		}
		if b.ID == 0 {
			t.Fatalf("no agency id starting with %s", prefix)
		}
		bChild := f.create(operator, input(b.Code.String()+".1", b.Code.String(), agency.Unit, "province", "Phòng của Sở B"))
		if _, err := f.svc.Update(f.ctx, operator, a.ID, a.Version, asInput(a, "H26.1")); err != nil {
			t.Fatal(err)
		}
		if got := f.byCode(aChild.Code.String()); got.Path != fmt.Sprintf("%s%d/%d/", target.Path, a.ID, aChild.ID) || got.Depth != 4 {
			t.Errorf("child of the moved agency: path %q depth %d", got.Path, got.Depth)
		}
		for _, x := range []agency.Agency{b, bChild} {
			if got := f.byCode(x.Code.String()); got.Path != x.Path || got.Depth != x.Depth {
				t.Errorf("%s (id %d) moved along with %d: path %q → %q", x.Code, x.ID, a.ID, x.Path, got.Path)
			}
		}
		sub, err := f.svc.Subtree(f.ctx, fmt.Sprintf("%s%d/", target.Path, a.ID))
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff([]string{"H26.2", "H26.2.1"}, codes(sub)); diff != "" {
			t.Errorf("Subtree of the moved agency (-want +got):\n%s", diff)
		}
		f.checkPaths()
	})
}

func TestUpdateOptimisticLocking(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		tr := f.buildTree()
		records := f.count("audit_log")

		// Two editors open Sở Tư pháp at version 1.
		seen := f.byCode("H26.12")
		if seen.Version != 1 {
			t.Fatalf("version %d, want 1", seen.Version)
		}
		f.clk.Advance(10 * time.Minute)
		first := asInput(seen, "H26")
		first.NameEN = "Hanoi Department of Justice"
		got, err := f.svc.Update(ctx, operator, seen.ID, seen.Version, first)
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != 2 || got.NameEN != first.NameEN || !got.UpdatedAt.Equal(f.clk.Now()) || !got.CreatedAt.Equal(seen.CreatedAt) {
			t.Errorf("after the first edit: %+v", got)
		}

		second := asInput(seen, "H26")
		second.NameEN = "Justice (stale edit)"
		_, err = f.svc.Update(ctx, operator, seen.ID, seen.Version, second)
		wantKind(t, err, errs.Conflict)
		if k, _ := errs.MessageKey(err); k != "error.stale" {
			t.Errorf("message %q, want error.stale", k)
		}
		// A stale move must not move the sub-tree either: the paths are
		// rewritten before the version is checked, so this is about the
		// rollback.
		snapshot := f.list()
		_, err = f.svc.Update(ctx, operator, seen.ID, seen.Version, asInput(seen, "H26.05"))
		wantKind(t, err, errs.Conflict)
		if diff := cmp.Diff(snapshot, f.list(), codeEq); diff != "" {
			t.Errorf("a stale move changed the tree (-before +after):\n%s", diff)
		}
		now := f.byCode("H26.12")
		if now.Version != 2 || now.NameEN != first.NameEN || now.ParentID != tr.root.ID {
			t.Errorf("stored after the stale edits: %+v", now)
		}
		// With the version they now see, the second editor succeeds.
		if got, err := f.svc.Update(ctx, operator, now.ID, now.Version, second); err != nil || got.Version != 3 {
			t.Errorf("Update at the current version = %+v, %v", got, err)
		}
		// A version from the future is as stale as one from the past.
		_, err = f.svc.Update(ctx, operator, now.ID, 99, second)
		wantKind(t, err, errs.Conflict)

		_, err = f.svc.Update(ctx, operator, 987654, 1, second)
		wantKind(t, err, errs.NotFound)
		if n := f.count("audit_log"); n != records+2 {
			t.Errorf("%d audit records written, want 2 (one per successful edit)", n-records)
		}
		f.verifyAudit(int64(records + 2))
	})
}

func TestAuthorisation(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		tr := f.buildTree()

		platform := official("platform", authz.PlatformAdmin, tr.root, true)
		justiceAdmin := official("admin.stp", authz.AgencyAdmin, tr.justice, true)
		justiceOwnOnly := official("admin.stp.own", authz.AgencyAdmin, tr.justice, false)
		officer := official("officer.stp", authz.ReceptionOfficer, tr.justice, true)
		citizen := &authz.Principal{Kind: authz.Citizen, ID: 5, Name: "Nguyễn Văn An", NationalID: "001085012345"}
		anonymous := authz.AnonymousPrincipal

		seq, roots := 0, 0
		create := func(parent string) func(p *authz.Principal) error {
			return func(p *authz.Principal) error {
				seq++
				code := fmt.Sprintf("%s.%d", parent, 50+seq)
				if parent == "" {
					roots++
					code = fmt.Sprintf("H%d", 30+roots)
				}
				_, err := f.svc.Create(ctx, p, input(code, parent, agency.Unit, "province", "Đơn vị mới"))
				return err
			}
		}
		edit := func(code string) func(p *authz.Principal) error {
			return func(p *authz.Principal) error {
				a := f.byCode(code)
				in := asInput(a, parentCode(f, a))
				seq++
				in.ShortName = fmt.Sprintf("sửa %d", seq)
				_, err := f.svc.Update(ctx, p, a.ID, a.Version, in)
				return err
			}
		}
		// move moves the agency and, if that worked, puts it back, so that
		// the tree is the same for every case.
		move := func(code, to string) func(p *authz.Principal) error {
			return func(p *authz.Principal) error {
				a := f.byCode(code)
				from := parentCode(f, a)
				b, err := f.svc.Update(ctx, p, a.ID, a.Version, asInput(a, to))
				if err == nil {
					if _, err := f.svc.Update(ctx, operator, b.ID, b.Version, asInput(b, from)); err != nil {
						t.Fatalf("moving %s back: %v", code, err)
					}
				}
				return err
			}
		}
		ops := []struct {
			name string
			do   func(p *authz.Principal) error
		}{
			{"create under own department", create("H26.12")},
			{"create under own unit", create("H26.12.01")},
			{"create under sibling department", create("H26.05")},
			{"create root", create("")},
			{"edit own department", edit("H26.12")},
			{"edit unit of own department", edit("H26.12.01")},
			{"edit sibling department", edit("H26.05")},
			{"edit unit of sibling department", edit("H26.05.01")},
			{"edit the people's committee", edit("H26")},
			{"move own unit within own department", move("H26.12.02", "H26.12.01")},
			{"move own unit to sibling department", move("H26.12.02", "H26.05")},
			{"move own unit to the root", move("H26.12.02", "")},
			{"move sibling's unit into own department", move("H26.05.01", "H26.12")},
		}
		const ok, forbidden, unauth = errs.Kind(255), errs.Forbidden, errs.Unauthenticated
		principals := []struct {
			name string
			p    *authz.Principal
			want []errs.Kind // per op
		}{
			{"platform admin", platform, []errs.Kind{ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}},
			{"operator", operator, []errs.Kind{ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok, ok}},
			{"agency admin of the department", justiceAdmin,
				[]errs.Kind{ok, ok, forbidden, forbidden, ok, ok, forbidden, forbidden, forbidden, ok, forbidden, forbidden, forbidden}},
			{"agency admin of the department alone", justiceOwnOnly,
				[]errs.Kind{ok, forbidden, forbidden, forbidden, ok, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden, forbidden}},
			{"reception officer", officer, slices.Repeat([]errs.Kind{forbidden}, len(ops))},
			{"citizen", citizen, slices.Repeat([]errs.Kind{forbidden}, len(ops))},
			{"anonymous", anonymous, slices.Repeat([]errs.Kind{unauth}, len(ops))},
		}
		for _, pc := range principals {
			if len(pc.want) != len(ops) {
				t.Fatalf("%s: %d expectations for %d operations", pc.name, len(pc.want), len(ops))
			}
			for i, op := range ops {
				agencies, records := f.count("agencies"), f.count("audit_log")
				err := op.do(pc.p)
				switch want := pc.want[i]; {
				case want == ok && err != nil:
					t.Errorf("%s: %s: %v, want success", pc.name, op.name, err)
				case want == ok:
					if n := f.count("audit_log"); n <= records {
						t.Errorf("%s: %s: no audit record", pc.name, op.name)
					}
				case errs.KindOf(err) != want || err == nil:
					t.Errorf("%s: %s: error %v, want %v", pc.name, op.name, err, want)
				default:
					if n := f.count("agencies"); n != agencies {
						t.Errorf("%s: %s: refused, yet %d agencies were created", pc.name, op.name, n-agencies)
					}
					if n := f.count("audit_log"); n != records {
						t.Errorf("%s: %s: refused, yet %d audit records were written", pc.name, op.name, n-records)
					}
				}
			}
		}
		// Refused edits left the targets at their versions: every
		// successful edit or move above bumped a version, the refused ones
		// did not, and the tree is whole.
		f.checkPaths()
		recs, err := f.log.Recent(ctx, d, 200)
		if err != nil {
			t.Fatal(err)
		}
		actors := map[string]int{}
		for _, r := range recs {
			actors[r.ActorKind+":"+r.ActorName]++
		}
		for _, name := range []string{"account:platform", "account:admin.stp", "account:admin.stp.own", "cli:test"} {
			if actors[name] == 0 {
				t.Errorf("no audit record by %s: %v", name, actors)
			}
		}
		for _, name := range []string{"account:officer.stp", "citizen:Nguyễn Văn An", "anonymous:"} {
			if actors[name] != 0 {
				t.Errorf("%d audit records by %s, who was refused everything", actors[name], name)
			}
		}
		f.verifyAudit(int64(len(recs)))
	})
}

func parentCode(f *fixture, a agency.Agency) string {
	f.t.Helper()
	if a.ParentID == 0 {
		return ""
	}
	p, err := f.svc.Get(f.ctx, a.ParentID)
	if err != nil {
		f.t.Fatal(err)
	}
	return p.Code.String()
}

func TestAuditTrail(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		tr := f.buildTree()
		platform := official("platform", authz.PlatformAdmin, tr.root, true)
		f.clk.Advance(time.Hour)
		in := asInput(tr.construction, "H26")
		in.NameVI, in.Phone = "Sở Xây dựng Hà Nội", "024 3976 0000"
		if _, err := f.svc.Update(ctx, platform, tr.construction.ID, tr.construction.Version, in); err != nil {
			t.Fatal(err)
		}
		// A refused change leaves no trace in the log.
		if _, err := f.svc.Create(ctx, operator, input("H26.12", "H26", agency.Department, "province", "Trùng mã")); err == nil {
			t.Fatal("duplicate code accepted")
		}

		recs, err := f.log.Recent(ctx, d, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 9 {
			t.Fatalf("%d audit records, want 8 creates and 1 update", len(recs))
		}
		upd := recs[0]
		if upd.Action != "agency.update" || upd.ActorKind != "account" || upd.ActorName != "platform" ||
			upd.ObjectType != "agency" || upd.ObjectID != "H26.05" || !upd.At.Equal(f.clk.Now()) {
			t.Errorf("update record %+v", upd)
		}
		var diff struct{ Before, After map[string]any }
		if err := json.Unmarshal([]byte(upd.Summary), &diff); err != nil {
			t.Fatal(err)
		}
		wantBefore := map[string]any{"name_vi": "Sở Xây dựng", "phone": ""}
		wantAfter := map[string]any{"name_vi": "Sở Xây dựng Hà Nội", "phone": "024 3976 0000"}
		if d := cmp.Diff(wantBefore, diff.Before); d != "" {
			t.Errorf("update summary before (-want +got):\n%s", d)
		}
		if d := cmp.Diff(wantAfter, diff.After); d != "" {
			t.Errorf("update summary after (-want +got):\n%s", d)
		}
		wantCreated := []string{"H26.12.01.03", "H26.107", "H26.05.01", "H26.05", "H26.12.01", "H26.12.02", "H26.12", "H26"}
		for i, r := range recs[1:] {
			if r.Action != "agency.create" || r.ActorKind != "cli" || r.ActorName != "test" || r.ObjectID != wantCreated[i] {
				t.Errorf("record %d: %s by %s:%s on %s, want agency.create by cli:test on %s", r.Seq, r.Action, r.ActorKind, r.ActorName, r.ObjectID, wantCreated[i])
			}
		}
		var created struct{ After map[string]any }
		if err := json.Unmarshal([]byte(recs[len(recs)-1].Summary), &created); err != nil {
			t.Fatal(err)
		}
		if created.After["code"] != "H26" || created.After["name_vi"] != "Ủy ban nhân dân Thành phố Hà Nội" || created.After["kind"] != "peoples-committee" {
			t.Errorf("create summary %v", created.After)
		}
		f.verifyAudit(9)

		// The check above can fail: a record changed behind the log's back
		// breaks the chain at that record.
		if _, err := d.ExecContext(ctx, `UPDATE audit_log SET summary = '{}' WHERE seq = 3`); err != nil {
			t.Fatal(err)
		}
		res, err := f.log.Verify(ctx, d)
		if err != nil || res.OK || res.Broken != 3 {
			t.Errorf("Verify after tampering = %+v, %v; want broken at 3", res, err)
		}
	})
}

func TestLoadAdminUnitsIntoDB(t *testing.T) {
	units, err := agency.LoadAdminUnits()
	if err != nil {
		t.Fatal(err)
	}
	pairs := 0
	for _, p := range units.Provinces() {
		pairs += len(units.FormedFrom(p.Code))
		for _, c := range units.Communes(p.Code) {
			pairs += len(units.FormedFrom(c.Code))
		}
	}
	if pairs != 10667 {
		t.Fatalf("%d old→new pairs in the catalogue, want 10,667", pairs)
	}
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		ctx := f.ctx
		n, err := f.svc.LoadAdminUnitsIntoDB(ctx, units)
		if err != nil {
			t.Fatal(err)
		}
		if n != 34+3321 {
			t.Errorf("loaded %d units, want 3,355", n)
		}
		count := func(q string, args ...any) int {
			t.Helper()
			var n int
			if err := d.QueryRowContext(ctx, q, args...).Scan(&n); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			return n
		}
		if got := count(`SELECT COUNT(*) FROM admin_units`); got != 3355 {
			t.Errorf("%d admin units, want 3,355", got)
		}
		if got := count(`SELECT COUNT(*) FROM admin_units WHERE kind IN ('province', 'city') AND province_code = code`); got != 34 {
			t.Errorf("%d province-level units, want 34", got)
		}
		if got := count(`SELECT COUNT(*) FROM admin_units WHERE kind IN ('ward', 'commune', 'special_zone')`); got != 3321 {
			t.Errorf("%d commune-level units, want 3,321", got)
		}
		if got := count(`SELECT COUNT(*) FROM admin_unit_history`); got != pairs {
			t.Errorf("%d history rows, want %d", got, pairs)
		}
		if got := count(`SELECT COUNT(*) FROM admin_unit_history WHERE partial`); got == 0 || got == pairs {
			t.Errorf("%d of %d history rows partial: the flag was not stored", got, pairs)
		}

		var name, kind, province, folded string
		if err := d.QueryRowContext(ctx, `SELECT name, kind, province_code, folded FROM admin_units WHERE code = '00004'`).
			Scan(&name, &kind, &province, &folded); err != nil {
			t.Fatal(err)
		}
		if name != "Phường Ba Đình" || kind != "ward" || province != "01" || folded != "phuong ba dinh" {
			t.Errorf("00004 = %q %q %q %q", name, kind, province, folded)
		}
		type hist struct {
			OldName, NewCode string
			Partial          bool
		}
		history := func(old string) []hist {
			t.Helper()
			rows, err := d.QueryContext(ctx, `SELECT old_name, new_code, partial FROM admin_unit_history WHERE old_code = ? ORDER BY new_code`, old)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var out []hist
			for rows.Next() {
				var h hist
				if err := rows.Scan(&h.OldName, &h.NewCode, &h.Partial); err != nil {
					t.Fatal(err)
				}
				out = append(out, h)
			}
			return out
		}
		for old, want := range map[string][]hist{
			"00001": {{"Phường Phúc Xá", "00097", false}},
			"00019": {{"Phường Điện Biên", "00004", true}, {"Phường Điện Biên", "00070", true}, {"Phường Điện Biên", "00190", true}, {"Phường Điện Biên", "00226", true}},
			"74":    {{"Tỉnh Bình Dương", "79", false}},
			"318":   {{"Huyện Bạch Long Vĩ", "11948", false}},
		} {
			if diff := cmp.Diff(want, history(old)); diff != "" {
				t.Errorf("history of %s (-want +got):\n%s", old, diff)
			}
		}

		// Again, as on every start: nothing to do, nothing changed.
		for _, svc := range []*agency.Service{f.svc, agency.NewService(d, f.log, f.clk.Now)} {
			n, err = svc.LoadAdminUnitsIntoDB(ctx, units)
			if err != nil || n != 0 {
				t.Errorf("second load = %d, %v; want 0, nil", n, err)
			}
		}
		if got := count(`SELECT COUNT(*) FROM admin_units`); got != 3355 {
			t.Errorf("%d admin units after the second load, want 3,355", got)
		}
		if got := count(`SELECT COUNT(*) FROM admin_unit_history`); got != pairs {
			t.Errorf("%d history rows after the second load, want %d", got, pairs)
		}

		// Agencies can now name the units they serve.
		f.create(operator, agency.Input{Code: "H26", Kind: agency.PeoplesCommittee, Tier: "province", NameVI: "UBND Thành phố Hà Nội", AdminUnitCode: "01", Active: true})
		ward := f.create(operator, agency.Input{Code: "H26.50", ParentCode: "H26", Kind: agency.PeoplesCommittee, Tier: "commune",
			NameVI: "UBND Phường Ba Đình", AdminUnitCode: "00004", Active: true})
		if ward.AdminUnitCode != "00004" {
			t.Errorf("ward agency %+v", ward)
		}
	})
}

// TestLoadAdminUnitsConcurrentStart starts two server copies at once on
// one database, as a province deployment (DESIGN.md §1, shape b) does
// after an upgrade: both must come up, and the units must be loaded once.
func TestLoadAdminUnitsConcurrentStart(t *testing.T) {
	units, err := agency.LoadAdminUnits()
	if err != nil {
		t.Fatal(err)
	}
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		const copies = 2
		var (
			wg    sync.WaitGroup
			start = make(chan struct{})
			ns    [copies]int
			errsC [copies]error
		)
		for i := range copies {
			svc := agency.NewService(d, f.log, f.clk.Now)
			wg.Go(func() {
				<-start
				ns[i], errsC[i] = svc.LoadAdminUnitsIntoDB(f.ctx, units)
			})
		}
		close(start)
		wg.Wait()
		for i, err := range errsC {
			if err != nil {
				t.Errorf("copy %d: LoadAdminUnitsIntoDB: %v", i, err)
			}
		}
		if got := f.count("admin_units"); got != 3355 {
			t.Errorf("%d admin units, want 3,355 (loaded %v)", got, ns)
		}
	})
}

func TestPathsByCode(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		tr := f.buildTree()
		got, err := f.svc.PathsByCode(f.ctx, []string{"H26.12", "000.01.12.H26", " h26.05 ", "H26.99", "not a code", ""})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"H26.12": tr.justice.Path, "000.01.12.H26": tr.justice1.Path, " h26.05 ": tr.construction.Path}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("PathsByCode (-want +got):\n%s", diff)
		}
		if got, err := f.svc.PathsByCode(f.ctx, nil); err != nil || len(got) != 0 {
			t.Errorf("PathsByCode(nil) = %v, %v", got, err)
		}
	})
}

// TestPathsByCodeAliases: two spellings of one agency's code (left to right
// and right to left) are two keys of the answer; each must be present.
func TestPathsByCodeAliases(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		f := setup(t, d)
		tr := f.buildTree()
		got, err := f.svc.PathsByCode(f.ctx, []string{"H26.12", "000.00.12.H26"})
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"H26.12": tr.justice.Path, "000.00.12.H26": tr.justice.Path}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("PathsByCode with two spellings of H26.12 (-want +got):\n%s", diff)
		}
	})
}
