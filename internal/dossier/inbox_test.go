package dossier_test

import (
	"slices"
	"testing"

	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/dossier"
)

// In inter-agency processing the dossier sits in the trays of whoever holds
// its current step: the city desk receives, a division of a department
// examines and signs, the desk returns. Officials of the division see it
// while it is theirs and only then; officials elsewhere never do.
func TestInboxFollowsTheStepAgency(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		examiner := e.account("dkkd.chuyenvien", "H26.15.01", authz.Specialist)
		head := e.account("dkkd.truongphong", "H26.15.01", authz.UnitHead)
		other := e.official("xaydung.chuyenvien")
		desk := e.official("motcua.tiepnhan")

		app := dossier.Application{
			ProcedureCode: dnTuNhan, CaseCode: "TH1", AgencyCode: "H26.01",
			Applicant: dossier.Applicant{Type: "business", FullName: "Phạm Thị Lan", OrgName: "Doanh nghiệp tư nhân Lan Anh"},
			Form: map[string]string{
				"ten_doanh_nghiep": "Doanh nghiệp tư nhân Lan Anh", "dia_chi_tru_so": "Phường Ba Đình, Hà Nội",
				"nganh_nghe": "Bán lẻ sách, báo", "von_dieu_le": "500000000", "ho_ten_nguoi_dai_dien": "Phạm Thị Lan",
				"dinh_danh_nguoi_dai_dien": "001185067890", "dien_thoai": "0987654321", "thu_dien_tu": "lan@example.test",
			},
			Files: []dossier.FileRef{
				{ComponentCode: "GDN", SHA256: e.put("giấy đề nghị"), Name: "giay-de-nghi.pdf", ContentType: "application/pdf"},
				{ComponentCode: "GTPL", SHA256: e.put("giấy tờ pháp lý"), Name: "cccd.pdf", ContentType: "application/pdf"},
			},
		}
		d := e.acceptedBy(desk, e.citizen("Phạm Thị Lan"), app, at("2026-03-02 09:00"))
		if d.StepAgency != e.agency("H26.15.01").ID {
			t.Fatalf("after acceptance the step agency is %d, want the division %d", d.StepAgency, e.agency("H26.15.01").ID)
		}
		has := func(p *authz.Principal, box dossier.Box) bool {
			t.Helper()
			list, err := e.svc.Inbox(e.ctx, p, box, 0)
			if err != nil {
				t.Fatalf("Inbox(%s, %s): %v", p.Name, box, err)
			}
			return slices.ContainsFunc(list, func(x dossier.Dossier) bool { return x.ID == d.ID })
		}
		check := func(when string, want map[*authz.Principal]bool) {
			t.Helper()
			for p, w := range want {
				if got := has(p, dossier.BoxInProgress); got != w {
					t.Errorf("%s: %s sees the dossier in progress: %v, want %v", when, p.Name, got, w)
				}
			}
		}
		check("at the examination", map[*authz.Principal]bool{examiner: true, head: true, other: false})
		e.do(examiner, &d, dossier.Forward, dossier.Input{Comment: "Tên doanh nghiệp không trùng"})
		check("at the signature", map[*authz.Principal]bool{examiner: true, head: true, other: false})
		e.do(head, &d, dossier.Approve, dossier.Input{})
		if d.StepAgency != e.agency("H26.01").ID {
			t.Fatalf("back at the desk the step agency is %d, want %d", d.StepAgency, e.agency("H26.01").ID)
		}
		check("back at the desk", map[*authz.Principal]bool{examiner: false, head: false, desk: true, other: false})
		if _, err := e.svc.Get(e.ctx, other, d.ID); err == nil {
			t.Error("an official of an unrelated department read the dossier")
		}
	})
}

// The last step of a ward's process (return the result) belongs to the
// ward's desk, which received the dossier: it is in the desk's tray then,
// and not before.
func TestInboxReturnStepAtTheDesk(t *testing.T) {
	run(t, func(t *testing.T, e *env) {
		desk := e.official("badinh.tiepnhan")
		d := e.accepted(e.citizen("Nguyễn Văn An"), e.birth("Bé Na"), at("2026-03-02 09:00"))
		inProgress := func() bool {
			t.Helper()
			list, err := e.svc.Inbox(e.ctx, desk, dossier.BoxInProgress, 0)
			if err != nil {
				t.Fatal(err)
			}
			return slices.ContainsFunc(list, func(x dossier.Dossier) bool { return x.ID == d.ID })
		}
		for d.Step < 4 {
			if inProgress() {
				t.Errorf("at step %d the dossier is already in the desk's tray", d.Step)
			}
			e.advance(&d)
		}
		if !inProgress() {
			t.Errorf("at the return step (%d, agency %d) the dossier is not in the desk's tray", d.Step, d.StepAgency)
		}
	})
}
