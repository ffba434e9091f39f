package catalog

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/internal/agency"
	"github.com/motcua/motcua/internal/audit"
	"github.com/motcua/motcua/internal/authz"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/errs"
)

// Every letter of Vietnamese, both cases.
const xlsxDiacritics = "àáảãạ ăằắẳẵặ âầấẩẫậ đ èéẻẽẹ êềếểễệ ìíỉĩị òóỏõọ ôồốổỗộ ơờớởỡợ ùúủũụ ưừứửữự ỳýỷỹỵ " +
	"ÀÁẢÃẠ ĂẰẮẲẴẶ ÂẦẤẨẪẬ Đ ÈÉẺẼẸ ÊỀẾỂỄỆ ÌÍỈĨỊ ÒÓỎÕỌ ÔỒỐỔỖỘ ƠỜỚỞỠỢ ÙÚỦŨỤ ƯỪỨỬỮỰ ỲÝỶỸỴ"

// xlsxRich uses every part of a bundle, in the canonical form of an
// export (empty lists as empty slices; receivers and options nil).
func xlsxRich() Bundle {
	return Bundle{
		Format: Format,
		Fields: []Field{
			{Code: "HT", NameVI: "Hộ tịch", NameEN: "Civil status"},
			{Code: "CT", NameVI: "Chứng thực " + xlsxDiacritics},
		},
		Procedures: []Document{{
			Code:        "1.001193",
			NameVI:      "Đăng ký khai sinh — " + xlsxDiacritics,
			NameEN:      "Birth registration",
			Field:       "HT",
			Levels:      []string{"commune", "district"},
			AgencyText:  "Ủy ban nhân dân cấp xã",
			Agencies:    []string{"H26.50", "H26.51"},
			Receivers:   []string{"H26.50.1"},
			Applicants:  []string{ApplicantCitizen, ApplicantOtherOrg},
			OnlineLevel: OnlinePartial,
			Steps:       "Bước 1: nộp hồ sơ.\n\nBước 2: nhận kết quả.\n",
			Conditions:  "  Lùi đầu dòng và dấu cách cuối  ",
			Description: "Mô tả \"trích dẫn\", <thẻ> & 'nháy'",
			Publication: "Quyết định số 1/QĐ-UBND",
			Results: []Result{
				{NameVI: "Giấy khai sinh", NameEN: "Birth certificate", Kind: "certificate", Validity: "Không thời hạn"},
				{NameVI: "Bản sao trích lục"},
			},
			LegalBasis: []Legal{
				{Number: "60/2014/QH13", Title: "Luật Hộ tịch", Date: "2014-11-20"},
				{Number: "123/2015/NĐ-CP", Title: "Nghị định 123"},
			},
			Cases: []Case{{
				Code: "TH1", NameVI: "Đúng hạn", NameEN: "On time",
				Time:     Duration{Value: 5, Unit: WorkingDays},
				TimeNote: "Không quá 05 ngày làm việc nếu cần xác minh",
				Channels: []string{"counter", "post", "online"},
				Fees: []Fee{
					{Kind: "charge", NameVI: "Lệ phí", NameEN: "Charge", AmountVND: 0, Exemption: "Miễn cho trẻ em, người cao tuổi, người khuyết tật", PayableOnline: true},
					{Kind: "fee", NameVI: "Phí bản sao", AmountVND: 1_500_000_000, Rule: "mỗi bản sao, tính theo trang"},
				},
				Components: []Component{
					{Code: "TP1", NameVI: "Tờ khai", NameEN: "Form", Required: true, Originals: 1, Template: "form"},
					{Code: "TP2", NameVI: "Giấy chứng sinh", Originals: 2, Copies: 3, Source: "national_db"},
					{Code: "TP3", NameVI: "Giấy tờ khác", Source: "data_store"},
				},
				Form: []FormField{
					{Name: "full_name", LabelVI: "Họ và tên", LabelEN: "Full name", Type: "text", Required: true, Prefill: "applicant.full_name",
						HelpVI: "Viết hoa, có dấu", HelpEN: "In capitals"},
					{Name: "ethnicity", LabelVI: "Dân tộc", Type: "select", Options: []string{"Kinh", "Tày, Nùng", "Khác (ghi rõ)"}},
					{Name: "id", LabelVI: "Số định danh", Type: "national_id", Pattern: `[0-9]{12}`},
					{Name: "note", LabelVI: "Ghi chú", Type: "textarea", Pattern: `(?i)^\p{L}[a-z, ]*\\$`},
				},
				Process: []Step{
					{NameVI: "Tiếp nhận", NameEN: "Reception", Role: "reception-officer", Duration: Duration{Value: 4, Unit: WorkingHours}},
					{NameVI: "Thẩm định", Role: "specialist", Unit: "H26.12", Duration: Duration{Value: 3, Unit: WorkingDays}},
					{NameVI: "Phê duyệt", Role: "leader", Duration: Duration{Value: 1, Unit: WorkingDays}},
				},
			}, {
				Code: "TH2", NameVI: "Trong ngày",
				Time:       Duration{Value: 0, Unit: WithinDay},
				Channels:   []string{"online"},
				Fees:       []Fee{},
				Components: []Component{},
				Form:       []FormField{},
				Process:    []Step{{NameVI: "Xử lý", Role: "specialist", Duration: Duration{Value: 8, Unit: WorkingHours}}},
			}},
		}, {
			Code:        "2.000815.H26",
			NameVI:      "Chứng thực bản sao từ bản chính",
			Field:       "CT",
			Levels:      []string{"commune"},
			Agencies:    []string{"H26.50"},
			Applicants:  []string{ApplicantCitizen},
			OnlineLevel: OnlineNone,
			Steps:       "  Dòng một\r\nDòng hai\ttab\vvertical tab from Word, \x01, _x0041_ and _x005F_ literally, \U0001F4DD",
			Description: "0123",
			Conditions:  "=SUM(A1:A2)",
			Results:     []Result{{NameVI: "Bản sao có chứng thực"}},
			LegalBasis:  []Legal{{Number: "23/2015/NĐ-CP", Title: "Nghị định về chứng thực", Date: "2015-02-16"}},
			Cases: []Case{{
				Code: "TH1", NameVI: "Chung", Time: Duration{Value: 2, Unit: WorkingHours}, Channels: []string{"counter"},
				Fees:       []Fee{{Kind: "fee", NameVI: "Phí chứng thực", AmountVND: 2000, Rule: "mỗi trang"}},
				Components: []Component{},
				Form:       []FormField{},
				Process:    []Step{{NameVI: "Chứng thực", Role: "leader", Duration: Duration{Value: 2, Unit: WorkingHours}}},
			}},
		}},
	}
}

func xlsxBytes(t testing.TB, b Bundle) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteXLSX(&buf, b); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xlsxRead(t testing.TB, data []byte) (Bundle, *XLSXMap, []CellProblem) {
	t.Helper()
	b, ps, m, err := ReadXLSXMapped(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if m == nil {
		t.Fatal("ReadXLSX returned no map")
	}
	return b, m, ps
}

// xlsxEdit opens data, lets edit change it as a spreadsheet user would,
// and returns the saved workbook.
func xlsxEdit(t *testing.T, data []byte, edit func(f *excelize.File) error) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := edit(f); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := f.WriteTo(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// xlsxValidate validates every procedure as Service.Import does, with
// paths prefixed "procedures[i].", and returns the Invalid error's fields.
func xlsxValidate(b Bundle) map[string]errs.Msg {
	var v errs.Validation
	for i := range b.Procedures {
		for _, p := range Validate(&b.Procedures[i], Lookup{}) {
			v.Add(fmt.Sprintf("procedures[%d].%s", i, p.Path), p.Key, p.Args...)
		}
	}
	if e, ok := errs.As(v.Err("test")); ok {
		return e.Fields
	}
	return nil
}

func TestXLSXRoundTrip(t *testing.T) {
	for name, b := range map[string]Bundle{
		"rich":    xlsxRich(),
		"example": ExampleBundle(),
		"empty":   {Format: Format, Fields: []Field{}, Procedures: []Document{}},
	} {
		t.Run(name, func(t *testing.T) {
			data := xlsxBytes(t, b)
			got, _, ps := xlsxRead(t, data)
			if len(ps) > 0 {
				t.Fatalf("problems reading a written workbook: %v", ps)
			}
			if diff := cmp.Diff(b, got); diff != "" {
				t.Errorf("ReadXLSX(WriteXLSX(b)) differs (-want +got):\n%s", diff)
			}
			// Writing is deterministic apart from the zip's timestamps: the
			// second round gives the same bundle again.
			again, _, _ := xlsxRead(t, xlsxBytes(t, got))
			if diff := cmp.Diff(b, again); diff != "" {
				t.Errorf("second round trip differs:\n%s", diff)
			}
		})
	}
}

// testdata/xlsx-rich-libreoffice.xlsx is WriteXLSX(xlsxRich()) opened and
// saved again by LibreOffice Calc 7.4 (soffice --convert-to xlsx), which
// rewrites the whole file its own way.
func TestXLSXSavedByLibreOffice(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "xlsx-rich-libreoffice.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	got, _, ps := xlsxRead(t, data)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	want := xlsxRich()
	// Calc keeps line breaks as LF only.
	want.Procedures[1].Steps = strings.ReplaceAll(want.Procedures[1].Steps, "\r\n", "\n")
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestXLSXTooLong(t *testing.T) {
	b := ExampleBundle()
	b.Procedures[0].Steps = strings.Repeat("Ư", 32767)
	if err := WriteXLSX(io.Discard, b); err != nil {
		t.Fatalf("a full cell: %v", err)
	}
	b.Procedures[0].Steps = strings.Repeat("Ư", 32766) + "😀"
	if err := WriteXLSX(io.Discard, b); err == nil || !strings.Contains(err.Error(), "Thủ tục row 3 column steps") {
		t.Fatalf("a text longer than a cell: %v", err)
	}
}

func TestXLSXMapLocate(t *testing.T) {
	_, m, _ := xlsxRead(t, xlsxBytes(t, xlsxRich()))
	type loc struct {
		Sheet  string
		Row    int
		Column string
		OK     bool
	}
	for path, want := range map[string]loc{
		"fields[1].name_vi":                                    {SheetFields, 4, "B (Tên lĩnh vực)", true},
		"procedures[0].code":                                   {SheetProcedures, 3, "A (Mã thủ tục)", true},
		"procedures[1].steps":                                  {SheetProcedures, 4, "K (Trình tự thực hiện)", true},
		"procedures[0].levels[1]":                              {SheetProcedures, 3, "E (Cấp thực hiện)", true},
		"procedures[0].results":                                {SheetProcedures, 3, "", true},
		"procedures[0].results[1].name_vi":                     {SheetResults, 4, "B (Tên kết quả)", true},
		"procedures[1].legal_basis[0].date":                    {SheetLegal, 5, "D (Ngày ban hành)", true},
		"procedures[0].cases[1].time.unit":                     {SheetCases, 4, "F (Đơn vị thời hạn)", true},
		"procedures[1].cases[0].process":                       {SheetCases, 5, "", true},
		"procedures[0].cases[0].fees[1].amount_vnd":            {SheetFees, 4, "F (Số tiền)", true},
		"procedures[1].cases[0].fees[0].payable_online":        {SheetFees, 5, "I (Nộp trực tuyến)", true},
		"procedures[0].cases[0].components[2].originals":       {SheetComponents, 5, "G (Số bản chính)", true},
		"procedures[0].cases[0].form[1].options":               {SheetForm, 4, "I (Các lựa chọn (mỗi dòng một lựa chọn))", true},
		"procedures[0].cases[1].process[0].duration.value":     {SheetProcess, 6, "G (Thời gian)", true},
		"procedures[1].cases[0].process[0].role":               {SheetProcess, 7, "E (Vai trò thực hiện)", true},
		"format":                                               {SheetGuide, 1, "B (Định dạng)", true},
		"procedures[7].code":                                   {},
		"nonsense":                                             {},
		"procedures[0].cases[0].fees[1].amount_vnd.extra[3].x": {SheetFees, 4, "F (Số tiền)", true},
	} {
		var got loc
		got.Sheet, got.Row, got.Column, got.OK = m.LocatePath(path)
		if got != want {
			t.Errorf("Locate(%q) = %+v, want %+v", path, got, want)
		}
	}
}

func TestXLSXTemplate(t *testing.T) {
	var buf bytes.Buffer
	if err := TemplateXLSX(&buf); err != nil {
		t.Fatal(err)
	}
	b, _, ps := xlsxRead(t, buf.Bytes())
	if len(ps) > 0 {
		t.Fatalf("template problems: %v", ps)
	}
	if diff := cmp.Diff(ExampleBundle(), b); diff != "" {
		t.Errorf("template (-want +got):\n%s", diff)
	}
	if fs := xlsxValidate(b); fs != nil {
		t.Errorf("the example procedure is not valid: %v", fs)
	}

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if diff := cmp.Diff(xSheetOrder, f.GetSheetList()); diff != "" {
		t.Errorf("sheets (-want +got):\n%s", diff)
	}
	for _, s := range xSheetOrder[1:] {
		p, err := f.GetPanes(s)
		if err != nil || !p.Freeze || p.YSplit != 2 || p.TopLeftCell != "A3" {
			t.Errorf("%s: panes %+v %v; want the two header rows frozen", s, p, err)
		}
		id, _ := f.GetCellStyle(s, "A1")
		if st, err := f.GetStyle(id); err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("%s: header A1 not bold", s)
		}
		if w, _ := f.GetColWidth(s, "B"); w < 10 {
			t.Errorf("%s: column B width %v", s, w)
		}
	}
	check := func(sheet, cell string, wantType excelize.CellType, want string) {
		t.Helper()
		typ, _ := f.GetCellType(sheet, cell)
		v, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		if typ != wantType || v != want {
			t.Errorf("%s!%s = %q (type %v), want %q (type %v)", sheet, cell, v, typ, want, wantType)
		}
	}
	check(SheetProcedures, "A1", excelize.CellTypeSharedString, "Mã thủ tục")
	check(SheetProcedures, "A2", excelize.CellTypeSharedString, "code")
	check(SheetProcedures, "A3", excelize.CellTypeSharedString, "1.001193")
	check(SheetFees, "F4", excelize.CellTypeUnset, "8000") // a number
	check(SheetFees, "I4", excelize.CellTypeSharedString, "có")
	check(SheetCases, "E3", excelize.CellTypeUnset, "0")
	check(SheetComponents, "F3", excelize.CellTypeSharedString, "có")
	check(SheetGuide, "B1", excelize.CellTypeSharedString, Format)
	check(SheetForm, "I5", excelize.CellTypeSharedString, "Nam\nNữ")
}

func TestXLSXStructuralProblems(t *testing.T) {
	template := xlsxBytes(t, ExampleBundle())
	for _, tc := range []struct {
		name string
		edit func(f *excelize.File) error
		want []CellProblem
	}{{
		name: "missing required column",
		edit: func(f *excelize.File) error { return f.RemoveCol(SheetFees, "F") },
		want: []CellProblem{{Sheet: SheetFees, Row: 2, Column: "Số tiền", Key: "catalog.xlsx.column_missing", Args: []any{"Số tiền", "amount_vnd"}}},
	}, {
		name: "an optional column may go",
		edit: func(f *excelize.File) error { return f.RemoveCol(SheetFees, "E") },
	}, {
		name: "missing sheet",
		edit: func(f *excelize.File) error { return f.DeleteSheet(SheetProcess) },
		want: []CellProblem{{Sheet: SheetProcess, Key: "catalog.xlsx.sheet_missing", Args: []any{SheetProcess}}},
	}, {
		name: "text in a number column",
		edit: func(f *excelize.File) error { return f.SetCellStr(SheetFees, "F4", "8.000 đồng") },
		want: []CellProblem{{Sheet: SheetFees, Row: 4, Column: "F (Số tiền)", Key: "catalog.xlsx.number", Args: []any{"8.000 đồng"}}},
	}, {
		name: "a fraction where a whole number goes",
		edit: func(f *excelize.File) error { return f.SetCellFloat(SheetProcess, "G3", 1.5, 1, 64) },
		want: []CellProblem{{Sheet: SheetProcess, Row: 3, Column: "G (Thời gian)", Key: "catalog.xlsx.number", Args: []any{"1.5"}}},
	}, {
		name: "a renamed header names the column",
		edit: func(f *excelize.File) error {
			return firstErr(f.SetCellStr(SheetFees, "F1", "Mức thu"), f.SetCellStr(SheetFees, "F3", "miễn"))
		},
		want: []CellProblem{{Sheet: SheetFees, Row: 3, Column: "F (Mức thu)", Key: "catalog.xlsx.number", Args: []any{"miễn"}}},
	}, {
		name: "neither yes nor no",
		edit: func(f *excelize.File) error { return f.SetCellStr(SheetComponents, "F4", "tùy") },
		want: []CellProblem{{Sheet: SheetComponents, Row: 4, Column: "F (Bắt buộc)", Key: "catalog.xlsx.boolean", Args: []any{"tùy"}}},
	}, {
		name: "duplicate procedure code",
		edit: func(f *excelize.File) error { return f.DuplicateRow(SheetProcedures, 3) },
		want: []CellProblem{{Sheet: SheetProcedures, Row: 4, Column: "A (Mã thủ tục)", Key: "catalog.xlsx.duplicate", Args: []any{"1.001193", 3}}},
	}, {
		name: "duplicate case code",
		edit: func(f *excelize.File) error { return f.DuplicateRow(SheetCases, 3) },
		want: []CellProblem{{Sheet: SheetCases, Row: 4, Column: "B (Mã trường hợp)", Key: "catalog.xlsx.duplicate", Args: []any{"TH1", 3}}},
	}, {
		name: "child row of an unknown procedure",
		edit: func(f *excelize.File) error { return f.SetCellStr(SheetResults, "A4", "1.999999") },
		want: []CellProblem{{Sheet: SheetResults, Row: 4, Column: "A (Mã thủ tục)", Key: "catalog.xlsx.unknown_procedure", Args: []any{"1.999999"}}},
	}, {
		name: "child row of an unknown case",
		edit: func(f *excelize.File) error { return f.SetCellStr(SheetProcess, "B5", "TH9") },
		want: []CellProblem{{Sheet: SheetProcess, Row: 5, Column: "B (Mã trường hợp)", Key: "catalog.xlsx.unknown_case", Args: []any{"1.001193", "TH9"}}},
	}, {
		name: "child row without its procedure",
		edit: func(f *excelize.File) error { return f.SetCellStr(SheetForm, "A3", " ") },
		want: []CellProblem{{Sheet: SheetForm, Row: 3, Column: "A (Mã thủ tục)", Key: "field.required"}},
	}, {
		name: "another format",
		edit: func(f *excelize.File) error { return f.SetCellStr(SheetGuide, "B1", "motcua-catalog/2") },
		want: []CellProblem{{Sheet: SheetGuide, Row: 1, Column: "B (Định dạng)", Path: "format", Key: "catalog.import.format", Args: []any{Format}}},
	}, {
		name: "a key twice",
		edit: func(f *excelize.File) error { return f.SetCellStr(SheetResults, "F2", "kind") },
		want: []CellProblem{{Sheet: SheetResults, Row: 2, Column: "F (kind)", Key: "catalog.xlsx.column_duplicate", Args: []any{"kind", "D", "F"}}},
	}, {
		name: "all of them at once, in workbook order",
		edit: func(f *excelize.File) error {
			return firstErr(f.DeleteSheet(SheetForm), f.SetCellStr(SheetProcess, "A6", "1.999999"), f.SetCellStr(SheetFees, "F3", "x"),
				f.SetCellStr(SheetResults, "A3", "1.999999"))
		},
		want: []CellProblem{
			{Sheet: SheetResults, Row: 3, Column: "A (Mã thủ tục)", Key: "catalog.xlsx.unknown_procedure", Args: []any{"1.999999"}},
			{Sheet: SheetFees, Row: 3, Column: "F (Số tiền)", Key: "catalog.xlsx.number", Args: []any{"x"}},
			{Sheet: SheetForm, Key: "catalog.xlsx.sheet_missing", Args: []any{SheetForm}},
			{Sheet: SheetProcess, Row: 6, Column: "A (Mã thủ tục)", Key: "catalog.xlsx.unknown_procedure", Args: []any{"1.999999"}},
		},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, got := xlsxRead(t, xlsxEdit(t, template, tc.edit))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
		})
	}
}

func firstErr(es ...error) error {
	for _, e := range es {
		if e != nil {
			return e
		}
	}
	return nil
}

// Spreadsheet users reorder columns, add their own, leave blank rows and
// type dates as dates: none of it changes what is read, only where.
func TestXLSXUserEdits(t *testing.T) {
	want := ExampleBundle()
	data := xlsxEdit(t, xlsxBytes(t, want), func(f *excelize.File) error {
		return firstErr(
			f.InsertCols(SheetFees, "C", 1),
			f.SetCellStr(SheetFees, "C1", "Ghi chú"),
			f.SetCellStr(SheetFees, "C3", "ghi chú riêng, không phải dữ liệu"),
			f.InsertRows(SheetFees, 4, 2),
			f.SetCellStr(SheetFees, "C5", "một dòng chỉ có ghi chú"),
			f.SetCellValue(SheetLegal, "D3", time.Date(2014, 11, 20, 0, 0, 0, 0, time.UTC)),
			f.SetCellValue(SheetFees, "J6", true),
			f.SetCellStr(SheetFees, "J3", " X "),
			f.SetCellStr(SheetCases, "H3", "counter;post\nonline"),
			f.SetSheetName(SheetFields, "LĨNH VỰC"),
		)
	})
	got, m, ps := xlsxRead(t, data)
	if len(ps) > 0 {
		t.Fatalf("problems: %v", ps)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	if s, r, c, _ := m.LocatePath("procedures[0].cases[0].fees[1].amount_vnd"); s != SheetFees || r != 6 || c != "G (Số tiền)" {
		t.Errorf("moved fee located at %s %d %s", s, r, c)
	}
	// A text of digits in the date column stays text, for validation to catch.
	data = xlsxEdit(t, data, func(f *excelize.File) error { return f.SetCellStr(SheetLegal, "D4", "2015") })
	got, _, _ = xlsxRead(t, data)
	if d := got.Procedures[0].LegalBasis[1].Date; d != "2015" {
		t.Errorf("text date = %q", d)
	}
}

func TestXLSXLocateValidation(t *testing.T) {
	template := xlsxBytes(t, ExampleBundle())
	for _, tc := range []struct {
		name string
		edit func(f *excelize.File) error
		want []CellProblem
	}{{
		name: "negative fee",
		edit: func(f *excelize.File) error { return f.SetCellInt(SheetFees, "F4", -5) },
		want: []CellProblem{{Sheet: SheetFees, Row: 4, Column: "F (Số tiền)", Path: "procedures[0].cases[0].fees[1].amount_vnd", Key: "catalog.fee.negative"}},
	}, {
		name: "negative fee in a moved column",
		edit: func(f *excelize.File) error {
			return firstErr(f.InsertCols(SheetFees, "A", 2), f.SetCellInt(SheetFees, "H3", -1))
		},
		want: []CellProblem{{Sheet: SheetFees, Row: 3, Column: "H (Số tiền)", Path: "procedures[0].cases[0].fees[0].amount_vnd", Key: "catalog.fee.negative"}},
	}, {
		name: "process longer than the legal time",
		edit: func(f *excelize.File) error { return f.SetCellInt(SheetProcess, "G4", 5) },
		want: []CellProblem{{Sheet: SheetCases, Row: 3, Path: "procedures[0].cases[0].process", Key: "catalog.process.too_long", Args: []any{9, 8}}},
	}, {
		name: "an unknown value in a list",
		edit: func(f *excelize.File) error { return f.SetCellStr(SheetProcedures, "E3", "commune, xa") },
		want: []CellProblem{{Sheet: SheetProcedures, Row: 3, Column: "E (Cấp thực hiện)", Path: "procedures[0].levels[1]", Key: "catalog.unknown_value", Args: []any{"xa"}}},
	}, {
		name: "several, in workbook order",
		edit: func(f *excelize.File) error {
			return firstErr(f.SetCellStr(SheetLegal, "D5", "20/11/2014"), f.SetCellStr(SheetComponents, "D4", ""),
				f.SetCellStr(SheetProcess, "E6", "chuyên viên"), f.SetCellStr(SheetProcedures, "B3", " "))
		},
		want: []CellProblem{
			{Sheet: SheetProcedures, Row: 3, Column: "B (Tên thủ tục)", Path: "procedures[0].name_vi", Key: "field.required"},
			{Sheet: SheetLegal, Row: 5, Column: "D (Ngày ban hành)", Path: "procedures[0].legal_basis[2].date", Key: "field.date"},
			{Sheet: SheetComponents, Row: 4, Column: "D (Tên giấy tờ)", Path: "procedures[0].cases[0].components[1].name_vi", Key: "field.required"},
			{Sheet: SheetProcess, Row: 6, Column: "E (Vai trò thực hiện)", Path: "procedures[0].cases[0].process[3].role", Key: "catalog.unknown_value", Args: []any{"chuyên viên"}},
		},
	}, {
		name: "no process at all",
		edit: func(f *excelize.File) error {
			return firstErr(f.RemoveRow(SheetProcess, 3), f.RemoveRow(SheetProcess, 3), f.RemoveRow(SheetProcess, 3), f.RemoveRow(SheetProcess, 3))
		},
		want: []CellProblem{{Sheet: SheetCases, Row: 3, Path: "procedures[0].cases[0].process", Key: "catalog.process.none"}},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			b, m, ps := xlsxRead(t, xlsxEdit(t, template, tc.edit))
			if len(ps) > 0 {
				t.Fatalf("structural problems: %v", ps)
			}
			got := LocateProblems(m, xlsxValidate(b))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("located problems (-want +got):\n%s", diff)
			}
		})
	}
	// A path the workbook did not produce stays a path.
	got := LocateProblems(&XLSXMap{}, map[string]errs.Msg{"fields[3].code": {Key: "catalog.field.code"}})
	want := []CellProblem{{Path: "fields[3].code", Key: "catalog.field.code"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("unlocated (-want +got):\n%s", diff)
	}
	if got := LocateProblems(nil, nil); len(got) != 0 {
		t.Errorf("nothing located as %v", got)
	}
}

func TestXLSXMalformed(t *testing.T) {
	random := make([]byte, 4096)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	var emptyZip, junkZip bytes.Buffer
	zip.NewWriter(&emptyZip).Close()
	zw := zip.NewWriter(&junkZip)
	w, _ := zw.Create("xl/workbook.xml")
	w.Write([]byte("<workbook><sheets><sheet name=\"Thủ tục\" r:id=\"x\"/>"))
	zw.Close()
	var other bytes.Buffer
	f := excelize.NewFile()
	f.SetCellStr("Sheet1", "A1", "not a catalogue")
	f.WriteTo(&other)
	f.Close()
	template := xlsxBytes(t, ExampleBundle())

	for name, data := range map[string][]byte{
		"random bytes":        random,
		"nothing":             nil,
		"empty zip":           emptyZip.Bytes(),
		"broken workbook":     junkZip.Bytes(),
		"another spreadsheet": other.Bytes(),
		"truncated":           template[:len(template)/2],
		"pdf":                 []byte("%PDF-1.7\n%âãÏÓ\n"),
	} {
		t.Run(name, func(t *testing.T) {
			b, _, ps := xlsxRead(t, data)
			want := []CellProblem{{Key: "catalog.xlsx.malformed"}}
			if diff := cmp.Diff(want, ps); diff != "" {
				t.Errorf("problems (-want +got):\n%s", diff)
			}
			if len(b.Procedures) != 0 {
				t.Errorf("procedures read from a malformed file: %v", b.Procedures)
			}
		})
	}
}

type xlsxFailingReader struct{}

func (xlsxFailingReader) Read([]byte) (int, error) { return 0, fmt.Errorf("disk on fire") }

func TestXLSXReadError(t *testing.T) {
	if _, _, err := ReadXLSX(xlsxFailingReader{}); err == nil || errs.KindOf(err) != errs.Internal {
		t.Errorf("read error = %v", err)
	}
}

func FuzzReadXLSX(f *testing.F) {
	xlsxRecover = false
	f.Cleanup(func() { xlsxRecover = true })
	f.Add(xlsxBytes(f, ExampleBundle()))
	f.Add(xlsxBytes(f, xlsxRich()))
	f.Add([]byte{})
	f.Add([]byte("PK\x03\x04"))
	var z bytes.Buffer
	zip.NewWriter(&z).Close()
	f.Add(z.Bytes())
	f.Fuzz(func(t *testing.T, data []byte) {
		b, ps, m, err := ReadXLSXMapped(bytes.NewReader(data))
		if err != nil || m == nil {
			t.Fatalf("ReadXLSX = %v, %v", m, err)
		}
		if len(ps) > 0 {
			LocateProblems(m, map[string]errs.Msg{"procedures[0].code": {Key: "x"}})
			return
		}
		LocateProblems(m, xlsxValidate(b))
		// What was read writes and reads back the same.
		var buf bytes.Buffer
		if err := WriteXLSX(&buf, b); err != nil {
			t.Fatal(err)
		}
		again, ps, err := ReadXLSX(&buf)
		if err != nil || len(ps) > 0 {
			t.Fatalf("re-reading: %v %v", ps, err)
		}
		if diff := cmp.Diff(b, again); diff != "" {
			t.Errorf("re-read differs:\n%s", diff)
		}
	})
}

// From a workbook to the catalogue and back, through the real service.
func TestXLSXImport(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		op := &authz.Principal{Kind: authz.Operator, Name: "test"}
		now := func() time.Time { return time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC) }
		log := audit.New(now)
		ags := agency.NewService(d, log, now)
		for _, in := range []agency.Input{
			{Code: "H26", Kind: agency.PeoplesCommittee, Tier: "province", NameVI: "Ủy ban nhân dân Thành phố Hà Nội", Active: true},
			{Code: "H26.50", ParentCode: "H26", Kind: agency.PeoplesCommittee, Tier: "commune", NameVI: "Ủy ban nhân dân Phường Ba Đình", Active: true},
		} {
			if _, err := ags.Create(ctx, op, in); err != nil {
				t.Fatal(err)
			}
		}
		svc := NewService(d, log, ags, now)
		template := xlsxBytes(t, ExampleBundle())

		// A workbook with mistakes: nothing is imported, and every
		// problem is shown at its cell.
		bad := xlsxEdit(t, template, func(f *excelize.File) error {
			return firstErr(f.SetCellInt(SheetFees, "F4", -8000), f.SetCellStr(SheetProcedures, "G3", "H26.50, H99"))
		})
		b, m, ps := xlsxRead(t, bad)
		if len(ps) > 0 {
			t.Fatalf("structural problems: %v", ps)
		}
		_, err := svc.Import(ctx, op, b, true)
		e, ok := errs.As(err)
		if !ok || e.Kind != errs.Invalid {
			t.Fatalf("import of a bad workbook: %v", err)
		}
		want := []CellProblem{
			{Sheet: SheetProcedures, Row: 3, Column: "G (Mã cơ quan thực hiện)", Path: "procedures[0].agencies[1]", Key: "catalog.agency.unknown", Args: []any{"H99"}},
			{Sheet: SheetFees, Row: 4, Column: "F (Số tiền)", Path: "procedures[0].cases[0].fees[1].amount_vnd", Key: "catalog.fee.negative"},
		}
		if diff := cmp.Diff(want, m.Locate(e.Fields)); diff != "" {
			t.Errorf("located import problems (-want +got):\n%s", diff)
		}
		if exp, _ := svc.Export(ctx); len(exp.Procedures) != 0 || len(exp.Fields) != 0 {
			t.Fatalf("a failed import left %d procedures, %d fields", len(exp.Procedures), len(exp.Fields))
		}

		// The template imports as it is, and the export comes back whole.
		b, _, _ = xlsxRead(t, template)
		if _, err := svc.Import(ctx, op, b, true); err != nil {
			t.Fatal(err)
		}
		exp, err := svc.Export(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(ExampleBundle(), exp); diff != "" {
			t.Errorf("export of the imported template (-want +got):\n%s", diff)
		}
		got, _, ps := xlsxRead(t, xlsxBytes(t, exp))
		if len(ps) > 0 {
			t.Fatal(ps)
		}
		if diff := cmp.Diff(exp, got); diff != "" {
			t.Errorf("export → xlsx → bundle (-want +got):\n%s", diff)
		}
	})
}

func TestCellProblemWhere(t *testing.T) {
	type out struct {
		Cell, Key string
		Args      []any
		String    string
	}
	for _, tc := range []struct {
		p    CellProblem
		want out
	}{
		{CellProblem{Sheet: SheetFees, Row: 7, Column: "F (Số tiền)", Key: "catalog.fee.negative"},
			out{"F7", "catalog.xlsx.at_cell", []any{SheetFees, 7, "F (Số tiền)"}, "Phí lệ phí!F7 F (Số tiền): catalog.fee.negative"}},
		{CellProblem{Sheet: SheetFees, Row: 27, Column: "AB (Ghi chú)", Key: "k"},
			out{"AB27", "catalog.xlsx.at_cell", []any{SheetFees, 27, "AB (Ghi chú)"}, "Phí lệ phí!AB27 AB (Ghi chú): k"}},
		{CellProblem{Sheet: SheetCases, Row: 3, Key: "catalog.process.too_long", Args: []any{9, 8}},
			out{"3:3", "catalog.xlsx.at_row", []any{SheetCases, 3}, "Trường hợp!3:3: catalog.process.too_long [9 8]"}},
		{CellProblem{Sheet: SheetFees, Row: 2, Column: "Số tiền", Key: "catalog.xlsx.column_missing"},
			out{"2:2", "catalog.xlsx.at_cell", []any{SheetFees, 2, "Số tiền"}, "Phí lệ phí!2:2 Số tiền: catalog.xlsx.column_missing"}},
		{CellProblem{Sheet: SheetProcess, Key: "catalog.xlsx.sheet_missing"},
			out{"", "catalog.xlsx.at_sheet", []any{SheetProcess}, "Quy trình: catalog.xlsx.sheet_missing"}},
		{CellProblem{Path: "fields[3].code", Key: "catalog.field.code"},
			out{"", "catalog.xlsx.at_path", []any{"fields[3].code"}, "fields[3].code: catalog.field.code"}},
		{CellProblem{Key: "catalog.xlsx.malformed"},
			out{"", "catalog.xlsx.at_file", nil, ": catalog.xlsx.malformed"}},
	} {
		var got out
		got.Cell = tc.p.Cell()
		got.Key, got.Args = tc.p.Where()
		got.String = tc.p.String()
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("%+v (-want +got):\n%s", tc.p, diff)
		}
	}
}
