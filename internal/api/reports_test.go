package api_test

import (
	"bytes"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/motcua/motcua/internal/api"
	"github.com/motcua/motcua/internal/db"
	"github.com/motcua/motcua/internal/db/dbtest"
	"github.com/motcua/motcua/internal/report"
)

// The downloads of GET /api/v1/stats hold the same numbers as its JSON,
// and a periodic report goes through the API from its definition to its
// sign-off: a correction needs its reason, only a leader signs, and a
// signed report no longer changes.
func TestReportEndpoints(t *testing.T) {
	dbtest.Run(t, func(t *testing.T, d *db.DB) {
		e := newEnv(t, d)
		admin := bearer(e.officialToken)

		t.Run("stats workbook", func(t *testing.T) {
			const q = "/api/v1/stats?agency=H26.12&period=2026-03&group=procedure"
			var s api.Stats
			e.get(t, q, admin...).decode(t, &s)
			res := e.get(t, q+"&format=xlsx", admin...)
			if res.status != http.StatusOK || res.header.Get("Content-Type") != xlsxType ||
				res.header.Get("Content-Disposition") != `attachment; filename="thong-ke-H26.12-2026-03.xlsx"` {
				t.Fatalf("%d %v", res.status, res.header)
			}
			f, err := excelize.OpenReader(bytes.NewReader(res.body))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, err := f.GetRows(f.GetSheetName(0), excelize.Options{RawCellValue: true})
			if err != nil {
				t.Fatal(err)
			}
			last := rows[len(rows)-1]
			if last[0] != "Tổng cộng" || rows[len(rows)-2][0] != s.Rows[0].Key {
				t.Fatalf("rows %q", rows)
			}
			for i, col := range report.Columns {
				v, ok := s.Total.Value(col)
				want := strconv.FormatInt(int64(v), 10)
				if !ok {
					want = ""
				} else if strings.HasPrefix(col, "avg_") {
					want = strconv.FormatFloat(v, 'f', -1, 64)
				}
				got := ""
				if i+1 < len(last) {
					got = last[i+1]
				}
				if got != want {
					t.Errorf("%s: %q in the workbook, %q in the JSON", col, got, want)
				}
			}
			if s.Total.Received != 1 {
				t.Errorf("received %d", s.Total.Received)
			}
		})

		t.Run("periodic report", func(t *testing.T) {
			leader := bearer(e.leader(t))
			if res := e.send(t, http.MethodPost, "/api/v1/reports", reportDef, admin...); res.status != http.StatusCreated {
				t.Fatalf("define: %d %s", res.status, res.body)
			}
			const path = "/api/v1/reports/BC-THANG/H26.12/2026-03"
			var in api.ReportInstance
			e.get(t, path, admin...).decode(t, &in)
			if in.Status != "draft" || in.Version != 1 || in.Due != "2026-03-19" || in.Overdue || len(in.Indicators) != 3 ||
				in.Indicators[0].Code != "received" || in.Indicators[0].Data != 1 || in.Indicators[0].Value != 1 || in.Indicators[0].Corrected {
				t.Fatalf("opened: %+v", in)
			}
			res := e.send(t, http.MethodPut, path+"/corrections", correction(1, ""), admin...)
			var fail api.Error
			res.decode(t, &fail)
			if res.status != http.StatusUnprocessableEntity || !strings.Contains(fail.Error.Fields["received"], "lý do") {
				t.Errorf("without a reason: %d %s", res.status, res.body)
			}
			res = e.send(t, http.MethodPut, path+"/corrections", correction(1, "Hồ sơ giấy chưa nhập"), admin...)
			res.decode(t, &in)
			if res.status != http.StatusOK || in.Version != 2 || in.Indicators[0].Value != 3 || in.Indicators[0].Data != 1 ||
				!in.Indicators[0].Corrected || in.Indicators[0].Note == nil || *in.Indicators[0].Note != "Hồ sơ giấy chưa nhập" {
				t.Errorf("corrected: %d %+v", res.status, in)
			}
			res = e.send(t, http.MethodPost, path+"/sign", api.ReportSignRequest{Version: 2}, append(admin, "Accept-Language", "en")...)
			res.decode(t, &fail)
			if res.status != http.StatusForbidden || !strings.Contains(fail.Error.Message, "Only a leader") {
				t.Errorf("signed by an administrator: %d %s", res.status, res.body)
			}
			res = e.send(t, http.MethodPost, path+"/sign", api.ReportSignRequest{Version: 2}, leader...)
			res.decode(t, &in)
			if res.status != http.StatusOK || in.Status != "signed" || in.SignedBy == nil || *in.SignedBy != "Trần Văn B" || in.SignedAt == nil ||
				in.Indicators[0].Value != 3 {
				t.Errorf("signed: %d %+v", res.status, in)
			}
			res = e.send(t, http.MethodPut, path+"/corrections", correction(3, "x"), admin...)
			res.decode(t, &fail)
			if res.status != http.StatusConflict || !strings.Contains(fail.Error.Message, "không sửa được nữa") {
				t.Errorf("edited after sign-off: %d %s", res.status, res.body)
			}
			res = e.get(t, path+"?format=xlsx", admin...)
			if res.status != http.StatusOK || res.header.Get("Content-Disposition") != `attachment; filename="bao-cao-BC-THANG-H26.12-2026-03.xlsx"` {
				t.Fatalf("download: %d %v", res.status, res.header)
			}
			f, err := excelize.OpenReader(bytes.NewReader(res.body))
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			rows, _ := f.GetRows(f.GetSheetName(0))
			found := false
			for _, r := range rows {
				if len(r) >= 4 && r[0] == "Tiếp nhận trong kỳ" && r[1] == "1" && r[2] == "3" && r[3] == "Hồ sơ giấy chưa nhập" {
					found = true
				}
			}
			if !found {
				t.Errorf("the workbook: %q", rows)
			}
		})
	})
}
