// Package demo loads the demonstration data set: Hà Nội's People's
// Committee, its public administrative service centre, four departments
// with their divisions, five real wards and communes with their centres,
// and officials in every role.
//
// The data goes in through the same services as an administrator's edits
// (so it is validated and audited like any other change). The codes of
// Hà Nội (H26) and of the administrative units are real; the lower groups
// of the electronic identifier codes are illustrative, since each province
// assigns its own.
package demo

import (
	"context"

	"fmt"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/identity"
)

// Password is the password of every demo official. The demo marks itself
// as such on every page and lists these accounts on the sign-in page.
const Password = "motcua-demo-2026"

type agencySpec struct {
	code, parent string
	kind         agency.Kind
	tier         string
	vi, en       string
	unit         string
	address      string
}

var agencies = []agencySpec{
	{"H26", "", agency.PeoplesCommittee, "province", "Ủy ban nhân dân Thành phố Hà Nội", "Hanoi People's Committee", "01", "79 Đinh Tiên Hoàng, Phường Hoàn Kiếm, Hà Nội"},
	{"H26.01", "H26", agency.ServiceCentre, "province", "Trung tâm Phục vụ hành chính công Thành phố Hà Nội", "Hanoi Public Administrative Service Centre", "01", "258 Võ Chí Công, Phường Tây Hồ, Hà Nội"},
	{"H26.12", "H26", agency.Department, "province", "Sở Tư pháp", "Department of Justice", "01", "1B Trần Phú, Phường Hà Đông, Hà Nội"},
	{"H26.12.01", "H26.12", agency.Unit, "province", "Phòng Hành chính tư pháp", "Judicial Administration Division", "01", ""},
	{"H26.12.02", "H26.12", agency.Unit, "province", "Phòng Bổ trợ tư pháp", "Judicial Support Division", "01", ""},
	{"H26.13", "H26", agency.Department, "province", "Sở Xây dựng", "Department of Construction", "01", "52 Lê Đại Hành, Phường Hai Bà Trưng, Hà Nội"},
	{"H26.13.01", "H26.13", agency.Unit, "province", "Phòng Quản lý hoạt động xây dựng", "Construction Activities Division", "01", ""},
	{"H26.13.02", "H26.13", agency.Unit, "province", "Phòng Phát triển đô thị", "Urban Development Division", "01", ""},
	{"H26.14", "H26", agency.Department, "province", "Sở Nông nghiệp và Môi trường", "Department of Agriculture and Environment", "01", "18 Huỳnh Thúc Kháng, Phường Láng, Hà Nội"},
	{"H26.14.01", "H26.14", agency.Unit, "province", "Phòng Quản lý đất đai", "Land Management Division", "01", ""},
	{"H26.14.02", "H26.14", agency.Unit, "province", "Văn phòng Đăng ký đất đai", "Land Registration Office", "01", ""},
	{"H26.15", "H26", agency.Department, "province", "Sở Tài chính", "Department of Finance", "01", "38B Lê Lai, Phường Hoàn Kiếm, Hà Nội"},
	{"H26.15.01", "H26.15", agency.Unit, "province", "Phòng Đăng ký kinh doanh", "Business Registration Division", "01", ""},
	{"H26.15.02", "H26.15", agency.Unit, "province", "Phòng Quản lý giá và công sản", "Prices and Public Assets Division", "01", ""},
}

// communes are real wards and communes of Hà Nội after 1 July 2025; each
// gets a People's Committee and its public administrative service centre.
var communes = []struct{ group, unit, name, en string }{
	{"50", "00004", "Phường Ba Đình", "Ba Dinh Ward"},
	{"51", "00070", "Phường Hoàn Kiếm", "Hoan Kiem Ward"},
	{"52", "00166", "Phường Cầu Giấy", "Cau Giay Ward"},
	{"53", "09556", "Phường Hà Đông", "Ha Dong Ward"},
	{"54", "00577", "Xã Bát Tràng", "Bat Trang Commune"},
}

// Account is a demo official.
type Account struct {
	Username, Name string
	Agency         string
	Roles          []authz.Role
}

// Accounts are the demo officials, one or more per role.
var Accounts = []Account{
	{"admin", "Quản trị Hệ thống", "H26", []authz.Role{authz.PlatformAdmin}},
	{"tuphap.quantri", "Nguyễn Thị Hồng", "H26.12", []authz.Role{authz.AgencyAdmin}},
	{"motcua.tiepnhan", "Trần Văn Bình", "H26.01", []authz.Role{authz.ReceptionOfficer}},
	{"tuphap.chuyenvien", "Lê Thị Mai", "H26.12.01", []authz.Role{authz.Specialist}},
	{"tuphap.truongphong", "Phạm Quốc Hùng", "H26.12.01", []authz.Role{authz.UnitHead}},
	{"tuphap.lanhdao", "Đỗ Minh Tuấn", "H26.12", []authz.Role{authz.Leader}},
	{"xaydung.chuyenvien", "Vũ Thanh Hương", "H26.13.01", []authz.Role{authz.Specialist}},
	{"badinh.tiepnhan", "Hoàng Thị Thu", "H26.50.01", []authz.Role{authz.ReceptionOfficer}},
	{"badinh.chuyenvien", "Bùi Thị Hạnh", "H26.50", []authz.Role{authz.Specialist}},
	{"badinh.truongphong", "Trịnh Văn Long", "H26.50", []authz.Role{authz.UnitHead}},
	{"badinh.lanhdao", "Ngô Văn Sơn", "H26.50", []authz.Role{authz.Leader, authz.AgencyAdmin}},
}

// Load creates the demo data set unless it is already there (the
// People's Committee H26 exists), so it is safe on every start.
func Load(ctx context.Context, ags *agency.Service, ids *identity.Service) (bool, error) {
	if _, err := ags.ByCode(ctx, "H26"); err == nil {
		return false, nil
	} else if !errs.Is(err, errs.NotFound) {
		return false, err
	}
	op := &authz.Principal{Kind: authz.Operator, Name: "demo"}
	specs := append([]agencySpec(nil), agencies...)
	for _, c := range communes {
		code := "H26." + c.group
		specs = append(specs,
			agencySpec{code, "H26", agency.PeoplesCommittee, "commune", "Ủy ban nhân dân " + c.name, c.en + " People's Committee", c.unit, ""},
			agencySpec{code + ".01", code, agency.ServiceCentre, "commune", "Trung tâm Phục vụ hành chính công " + lowerFirst(c.name), c.en + " Public Administrative Service Centre", c.unit, ""},
		)
	}
	for _, a := range specs {
		if _, err := ags.Create(ctx, op, agency.Input{Code: a.code, ParentCode: a.parent, Kind: a.kind, Tier: a.tier,
			NameVI: a.vi, NameEN: a.en, AdminUnitCode: a.unit, Address: a.address, Active: true}); err != nil {
			return false, fmt.Errorf("demo agency %s: %w", a.code, err)
		}
	}
	for _, acc := range Accounts {
		in := identity.AccountInput{Username: acc.Username, FullName: acc.Name, AgencyCode: acc.Agency, Password: Password,
			Email: acc.Username + "@demo.motcua.invalid"}
		for _, r := range acc.Roles {
			in.Roles = append(in.Roles, identity.RoleInput{Role: r})
		}
		if _, err := ids.CreateAccount(ctx, op, in); err != nil {
			return false, fmt.Errorf("demo account %s: %w", acc.Username, err)
		}
	}
	return true, nil
}

// lowerFirst turns "Phường Ba Đình" into "phường Ba Đình", as the name
// reads inside a longer name.
func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	switch r[0] {
	case 'P':
		r[0] = 'p'
	case 'X':
		r[0] = 'x'
	}
	return string(r)
}
