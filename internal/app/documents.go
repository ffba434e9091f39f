package app

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/blob"
	"github.com/motcua/motcua/internal/catalog"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/forms"
)

// eventDocuments renders the form that goes with a dossier event (TT
// 03/2025 forms 01–05) and stores it, for the dossier service to file.
type eventDocuments struct {
	agencies *agency.Service
	catalog  *catalog.Service
	units    *agency.AdminUnits
	blobs    blob.Store
	baseURL  string
}

var channelNames = map[string]string{"counter": "Trực tiếp tại bộ phận một cửa", "post": "Qua dịch vụ bưu chính", "online": "Trực tuyến"}

func (e *eventDocuments) common(ctx context.Context, d *dossier.Dossier, ev dossier.Event) (forms.Common, error) {
	recv, err := e.agencies.Get(ctx, d.ReceivingAgency)
	if err != nil {
		return forms.Common{}, err
	}
	c := forms.Common{Agency: forms.Agency{Name: recv.NameVI, Address: recv.Address, Phone: recv.Phone},
		Code: d.Code, Procedure: d.ProcedureName, Date: ev.At, Officer: ev.ActorName, Loc: vietnam,
		Applicant: forms.Applicant{FullName: d.Applicant.FullName, NationalID: d.Applicant.NationalID, Address: d.Applicant.Address,
			Phone: d.Applicant.Phone, Email: d.Applicant.Email}}
	if c.Code == "" {
		c.Code = fmt.Sprintf("#%d", d.ID)
	} else {
		c.LookupURL = e.baseURL + "/lookup?code=" + url.QueryEscape(d.Code)
	}
	if recv.ParentID != 0 {
		if parent, err := e.agencies.Get(ctx, recv.ParentID); err == nil {
			c.Agency.ParentName = parent.NameVI
		}
	}
	if u, ok := e.units.Lookup(recv.AdminUnitCode); ok {
		c.Place = u.ShortName()
	}
	return c, nil
}

func str(v any) string { s, _ := v.(string); return s }

func strs(v any) []string {
	switch x := v.(type) {
	case []string:
		return x
	case []any:
		var out []string
		for _, s := range x {
			out = append(out, fmt.Sprint(s))
		}
		return out
	}
	return nil
}

// OnEvent renders and stores the event's form, if it has one.
func (e *eventDocuments) OnEvent(ctx context.Context, d *dossier.Dossier, a dossier.Action, ev dossier.Event) ([]dossier.File, error) {
	var kind, name string
	var render func(forms.Common) ([]byte, error)
	switch a {
	case dossier.Accept:
		kind, name = "form01", "giay-tiep-nhan"
		v, err := e.catalog.Published(ctx, d.ProcedureCode, d.ProcedureVersion)
		if err != nil {
			return nil, err
		}
		c, _ := dossier.CaseOf(v, d.CaseCode)
		comps := []forms.Component{}
		if c != nil {
			for _, m := range c.Components {
				if m.Required || m.Source == "" {
					comps = append(comps, forms.Component{Name: m.NameVI, Originals: m.Originals, Copies: m.Copies})
				}
			}
		}
		if len(comps) == 0 {
			comps = append(comps, forms.Component{Name: "Tờ khai (biểu mẫu điện tử)", Originals: 1})
		}
		recv, err := e.agencies.Get(ctx, d.ReceivingAgency)
		if err != nil {
			return nil, err
		}
		returnAt := strings.TrimSpace(recv.NameVI + ", " + recv.Address)
		render = func(cm forms.Common) ([]byte, error) {
			return forms.Receipt(cm, comps, d.ReceivedAt, d.DueAt, strings.TrimSuffix(returnAt, ","), channelNames[d.Channel])
		}
	case dossier.RequestSupplementDesk, dossier.RequestSupplement:
		kind, name = "form02", "phieu-yeu-cau-bo-sung"
		render = func(cm forms.Common) ([]byte, error) {
			return forms.SupplementRequest(cm, strs(ev.Data["missing"]), ev.Comment)
		}
	case dossier.RejectAtDesk:
		kind, name = "form03", "phieu-tu-choi"
		render = func(cm forms.Common) ([]byte, error) { return forms.Refusal(cm, str(ev.Data["reason"])) }
	case dossier.Extend:
		kind, name = "form04", "van-ban-xin-loi"
		render = func(cm forms.Common) ([]byte, error) {
			return forms.Apology(cm, ev.DueBefore, d.DueAt, str(ev.Data["reason"]))
		}
	case dossier.Withdraw:
		kind, name = "form05", "thong-bao-dung"
		reason := str(ev.Data["reason"])
		if reason == "" {
			reason = "Theo đề nghị rút hồ sơ của người nộp."
		}
		render = func(cm forms.Common) ([]byte, error) { return forms.StopNotice(cm, reason) }
	default:
		return nil, nil
	}
	cm, err := e.common(ctx, d, ev)
	if err != nil {
		return nil, err
	}
	pdf, err := render(cm)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", kind, err)
	}
	info, err := e.blobs.Put(ctx, bytes.NewReader(pdf), int64(len(pdf))+1)
	if err != nil {
		return nil, err
	}
	file := strings.ReplaceAll(cm.Code, "#", "") + "-" + name + ".pdf"
	return []dossier.File{{Kind: kind, Name: file, SHA256: info.SHA256, Size: info.Size, ContentType: "application/pdf"}}, nil
}
