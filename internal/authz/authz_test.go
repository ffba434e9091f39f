package authz

import "testing"

func TestCan(t *testing.T) {
	// Hà Nội (/1/) → Sở Tư pháp (/1/2/) → Phòng Hộ tịch (/1/2/3/); Sở Xây dựng (/1/4/).
	const hanoi, justice, civil, construction = "/1/", "/1/2/", "/1/2/3/", "/1/4/"
	official := func(gs ...Grant) *Principal { return &Principal{Kind: Official, ID: 1, Grants: gs} }
	admin := official(Grant{Role: AgencyAdmin, AgencyPath: justice, Subtree: true})
	adminNoSub := official(Grant{Role: AgencyAdmin, AgencyPath: justice})
	platform := official(Grant{Role: PlatformAdmin, AgencyPath: hanoi, Subtree: true})
	specialist := official(Grant{Role: Specialist, AgencyPath: civil})
	citizen := &Principal{Kind: Citizen, ID: 9, NationalID: "001090000001"}
	tests := []struct {
		name string
		p    *Principal
		a    Action
		o    Object
		want bool
	}{
		{"admin own agency", admin, ManageAgency, Object{AgencyPath: justice}, true},
		{"admin sub-unit", admin, ManageAgency, Object{AgencyPath: civil}, true},
		{"admin sibling department", admin, ManageAgency, Object{AgencyPath: construction}, false},
		{"admin parent", admin, ManageAgency, Object{AgencyPath: hanoi}, false},
		{"admin without subtree, sub-unit", adminNoSub, ManageAgency, Object{AgencyPath: civil}, false},
		{"admin national holiday", admin, ManageCalendar, Object{}, false},
		{"platform admin national holiday", platform, ManageCalendar, Object{}, true},
		{"platform admin anywhere", platform, ManageAccounts, Object{AgencyPath: "/77/"}, true},
		{"specialist cannot manage agencies", specialist, ManageAgency, Object{AgencyPath: civil}, false},
		{"specialist enters back office", specialist, BackOffice, Object{}, true},
		{"path prefix is by segment", official(Grant{Role: AgencyAdmin, AgencyPath: "/1/", Subtree: true}), ManageAgency, Object{AgencyPath: "/12/"}, false},
		{"citizen own data", citizen, ReadCitizen, Object{OwnerNationalID: "001090000001"}, true},
		{"citizen other's data", citizen, ReadCitizen, Object{OwnerNationalID: "001090000002"}, false},
		{"citizen no back office", citizen, BackOffice, Object{}, false},
		{"anonymous", AnonymousPrincipal, BackOffice, Object{}, false},
		{"nil", nil, BackOffice, Object{}, false},
		{"operator", &Principal{Kind: Operator}, ManageAccounts, Object{AgencyPath: civil}, true},
		{"unknown action fails closed", platform, Action("nope"), Object{AgencyPath: justice}, false},
		{"unknown action, agency admin", admin, Action("nope"), Object{AgencyPath: justice}, false},
	}
	for _, tt := range tests {
		if got := Can(tt.p, tt.a, tt.o); got != tt.want {
			t.Errorf("%s: Can = %v, want %v", tt.name, got, tt.want)
		}
	}
}
