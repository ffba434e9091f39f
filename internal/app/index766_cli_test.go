package app

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// --index766 replaces the scoring of the 766 index; a file that does not
// add up stops the server before it serves, naming the setting.
func TestIndex766File(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"groups": [{"code": "a", "name_vi": "A", "points": 90, "items": [{"code": "on_time_rate", "points": 90, "zero": 0, "full": 1}]}]}`), 0o644)
	code, _, errOut := run(t, "", "serve", "--data", filepath.Join(dir, "d1"), "--addr", "127.0.0.1:0", "--index766", bad)
	if code == 0 || !strings.Contains(errOut, "--index766") || !strings.Contains(errOut, "not 100") {
		t.Fatalf("a scoring of 90 points: exit %d, %q", code, errOut)
	}
	good := filepath.Join(dir, "good.json")
	os.WriteFile(good, []byte(`{"groups": [
		{"code": "speed", "name_vi": "Nhóm thử nghiệm tốc độ", "name_en": "Trial speed group", "points": 60,
		 "items": [{"code": "on_time_rate", "points": 60, "zero": 0.5, "full": 1}]},
		{"code": "people", "name_vi": "Nhóm thử nghiệm hài lòng", "name_en": "Trial satisfaction group", "points": 40,
		 "items": [{"code": "satisfaction_rate", "points": 40, "zero": 0, "full": 1}]}]}`), 0o644)
	s := start(t, "--demo", "--data", filepath.Join(dir, "d2"), "--index766", good)
	_, body := get(t, officialClient(t, s.url, "badinh.lanhdao"), s.url+"/office/index766")
	if page := string(body); !strings.Contains(page, "Nhóm thử nghiệm tốc độ") || strings.Contains(page, "Công khai, minh bạch") {
		t.Errorf("the index page does not use the scoring of the file:\n%s", text(body))
	}
}
