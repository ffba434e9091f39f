package report

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/dossier"
	"github.com/motcua/motcua/internal/errs"
	"github.com/motcua/motcua/internal/forms"
)

// SetAudit installs the audit log. The register book shows applicants'
// names and addresses, so it is refused without one.
func (s *Service) SetAudit(l *audit.Log) { s.audit = l }

// RegisterBook returns the register book (form 07, sổ theo dõi hồ sơ) of
// a receiving desk for a calendar year: every dossier it accepted that
// year, in the order received, numbered from 1. It holds personal data:
// only the desk's staff (and those above it) may read it, and the read is
// in the audit log, one record per dossier, so that each applicant can
// see who read their data.
func (s *Service) RegisterBook(ctx context.Context, p *authz.Principal, agencyCode string, year int) (forms.Book, error) {
	b, _, err := s.RegisterBookPage(ctx, p, agencyCode, year, 0, 0)
	return b, err
}

// RegisterBookPage is the part of the register book from entry offset+1,
// at most limit entries (all with limit 0), and the number of entries of
// the year: only the entries shown are read, and audited.
func (s *Service) RegisterBookPage(ctx context.Context, p *authz.Principal, agencyCode string, year, offset, limit int) (forms.Book, int, error) {
	const op = "report.RegisterBook"
	if year < 2000 || year > 2100 {
		return forms.Book{}, 0, errs.E(op, errs.Invalid, "report.year.invalid")
	}
	if offset < 0 || limit < 0 {
		return forms.Book{}, 0, errs.E(op, errs.Invalid, "report.page.invalid")
	}
	a, err := s.agencies.ByCode(ctx, agencyCode)
	if errs.Is(err, errs.NotFound) {
		return forms.Book{}, 0, errs.E(op, errs.Invalid, "report.agency.unknown", agencyCode)
	}
	if err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	if err := authz.Authorize(op, p, authz.ReadDossier, authz.Object{AgencyPath: a.Path}); err != nil {
		return forms.Book{}, 0, err
	}
	if s.audit == nil {
		return forms.Book{}, 0, errs.E(op, errs.Internal, "error.internal")
	}
	from := time.Date(year, time.January, 1, 0, 0, 0, 0, s.loc)
	to := from.AddDate(1, 0, 0)
	ds, total, err := dossier.ReceivedBy(ctx, s.db, a.ID, from, to, offset, limit)
	if err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	processing := make([]int64, len(ds))
	for i, d := range ds {
		processing[i] = d.ProcessingAgency
	}
	names, err := s.agencies.ByIDs(ctx, processing)
	if err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	book := forms.Book{Agency: forms.Agency{Name: a.NameVI, Address: a.Address, Phone: a.Phone}, Year: year, Date: s.now(), Loc: s.loc}
	for _, d := range ds {
		e := forms.BookEntry{Code: d.Code, Procedure: d.ProcedureName, Processing: names[d.ProcessingAgency].NameVI}
		e.No, e.Sets, e.Applicant = offset+len(book.Entries)+1, 1, d.Applicant.FullName
		if d.Applicant.OrgName != "" {
			e.Applicant = d.Applicant.OrgName + " (" + d.Applicant.FullName + ")"
		}
		e.Contact = strings.Trim(d.Applicant.Address+"; "+d.Applicant.Phone, "; ")
		// The electronic hand-over to the processing agency happens at
		// acceptance; the result comes back when it is issued.
		e.Received, e.Due, e.Forwarded, e.ResultIn, e.Returned = d.ReceivedAt, d.DueAt, d.ReceivedAt, d.FinishedAt, d.ReturnedAt
		if d.ResultKind == "stop" {
			e.ResultIn = time.Time{}
		}
		e.Note = bookNote(string(d.Status), d.ResultKind, d.Extended)
		book.Entries = append(book.Entries, e)
	}
	err = s.db.Tx(ctx, func(tx *db.Tx) error {
		for _, d := range ds {
			if err := s.audit.Record(ctx, tx, audit.Entry{Actor: p.Actor(), Action: "report.register_book", ObjectType: "dossier",
				ObjectID: strconv.FormatInt(d.ID, 10), SubjectNationalID: d.Applicant.NationalID, PersonalRead: true,
				Summary: map[string]any{"agency": agencyCode, "year": year}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return forms.Book{}, 0, errs.Wrap(op, err)
	}
	return book, total, nil
}

// bookNote is the remark column: how the dossier ended, if not by a result.
func bookNote(status, kind string, extended bool) string {
	var notes []string
	switch {
	case kind == "stop":
		notes = append(notes, "Dừng giải quyết (rút hồ sơ)")
	case kind == "refusal":
		notes = append(notes, "Từ chối giải quyết")
	case status == "supplement":
		notes = append(notes, "Chờ bổ sung")
	}
	if extended {
		notes = append(notes, "Gia hạn, có văn bản xin lỗi")
	}
	return strings.Join(notes, "; ")
}

// BookXLSX writes the register book as a workbook, one row per dossier,
// with the form's columns; dates are real dates (Excel's serial numbers
// shown as dd/mm/yyyy hh:mm), numbers are numbers.
func BookXLSX(w io.Writer, b forms.Book) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := fmt.Sprintf("Sổ theo dõi %d", b.Year)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	loc := b.Loc
	if loc == nil {
		loc = time.UTC
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: borders(),
		Alignment: &excelize.Alignment{WrapText: true, Vertical: "center", Horizontal: "center"}})
	if err != nil {
		return err
	}
	datetime, err := f.NewStyle(&excelize.Style{CustomNumFmt: strPtr("dd/mm/yyyy hh:mm"), Border: borders()})
	if err != nil {
		return err
	}
	cellStyle, err := f.NewStyle(&excelize.Style{Border: borders(), Alignment: &excelize.Alignment{WrapText: true, Vertical: "top"}})
	if err != nil {
		return err
	}
	f.SetCellValue(sheet, "A1", b.Agency.Name)
	f.SetCellValue(sheet, "A2", fmt.Sprintf("SỔ THEO DÕI HỒ SƠ — Năm %d", b.Year))
	f.SetCellStyle(sheet, "A1", "A2", bold)
	const first = 4
	headers := make([]any, len(forms.BookColumns))
	for i, h := range forms.BookColumns {
		headers[i] = h
	}
	if err := setRow(f, sheet, first, headers, func(int) int { return head }); err != nil {
		return err
	}
	// Excel stores dates without a zone: write the local wall time.
	local := func(t time.Time) any {
		if t.IsZero() {
			return ""
		}
		l := t.In(loc)
		return time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), 0, time.UTC)
	}
	for i, e := range b.Entries {
		r := first + 1 + i
		vals := []any{e.No, e.Code, e.Procedure, e.Sets, e.Applicant, e.Contact, e.Processing,
			local(e.Received), local(e.Due), local(e.Forwarded), local(e.ResultIn), local(e.Returned), "", e.Note}
		err := setRow(f, sheet, r, vals, func(j int) int {
			if j >= 7 && j <= 11 {
				return datetime
			}
			return cellStyle
		})
		if err != nil {
			return err
		}
	}
	for col, width := range map[string]float64{"A": 6, "B": 28, "C": 32, "D": 10, "E": 24, "F": 28, "G": 24, "H": 17, "I": 17, "J": 17,
		"K": 17, "L": 17, "M": 10, "N": 24} {
		f.SetColWidth(sheet, col, col, width)
	}
	f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: first, TopLeftCell: fmt.Sprintf("A%d", first+1), ActivePane: "bottomLeft"})
	f.SetDocProps(&excelize.DocProperties{Title: fmt.Sprintf("Sổ theo dõi hồ sơ năm %d", b.Year), Creator: "Motcua"})
	return f.Write(w)
}

func strPtr(s string) *string { return &s }
