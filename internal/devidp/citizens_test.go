package devidp_test

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/motcua/motcua/internal/devidp"
)

// cccdProvinces are the province codes that open a CCCD number: the pre-2025
// 63 provinces (TT 07/2016/TT-BCA), which numbers already issued keep.
var cccdProvinces = map[string]string{
	"001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn", "008": "Tuyên Quang",
	"010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu", "014": "Sơn La", "015": "Yên Bái",
	"017": "Hòa Bình", "019": "Thái Nguyên", "020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang",
	"025": "Phú Thọ", "026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
	"033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định", "037": "Ninh Bình",
	"038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh", "044": "Quảng Bình", "045": "Quảng Trị",
	"046": "Thừa Thiên Huế", "048": "Đà Nẵng", "049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định",
	"054": "Phú Yên", "056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
	"064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng", "070": "Bình Phước",
	"072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai", "077": "Bà Rịa - Vũng Tàu", "079": "TP. Hồ Chí Minh",
	"080": "Long An", "082": "Tiền Giang", "083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long",
	"087": "Đồng Tháp", "089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
	"094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

// hanoiUnits are the Hà Nội wards and communes (post-1 July 2025, from
// shared/data/vn-admin-units-2025) that the test addresses use.
var hanoiUnits = []string{
	"Phường Ba Đình", "Phường Cầu Giấy", "Phường Hoàng Mai", "Xã Bát Tràng",
	"Phường Hà Đông", "Phường Long Biên", "Phường Đống Đa",
}

var (
	phoneRE = regexp.MustCompile(`^\+84[35789][0-9]{8}$`)
	cccdRE  = regexp.MustCompile(`^[0-9]{12}$`)
)

func TestTestCitizens(t *testing.T) {
	cs := devidp.TestCitizens()
	if len(cs) < 6 {
		t.Fatalf("%d test citizens, want at least 6", len(cs))
	}
	subjects, ids := map[string]bool{}, map[string]bool{}
	var men, women, noEmail, bornBefore1970, bornAfter2000 int
	for _, c := range cs {
		t.Run(c.Subject, func(t *testing.T) {
			if c.Subject == "" || subjects[c.Subject] || ids[c.NationalID] {
				t.Errorf("subject %q or CCCD %q empty or repeated", c.Subject, c.NationalID)
			}
			subjects[c.Subject], ids[c.NationalID] = true, true

			birth, err := time.Parse(time.DateOnly, c.BirthDate)
			if err != nil {
				t.Fatalf("birth date %q: %v", c.BirthDate, err)
			}
			if adult := birth.AddDate(18, 0, 0); time.Now().Before(adult) {
				t.Errorf("born %s: not an adult", c.BirthDate)
			}
			id := c.NationalID
			if !cccdRE.MatchString(id) {
				t.Fatalf("CCCD %q is not 12 digits", id)
			}
			if _, ok := cccdProvinces[id[:3]]; !ok {
				t.Errorf("CCCD %q: %s is not a province code", id, id[:3])
			}
			// Digit 4: 0/1 men/women born 1900–1999, 2/3 born 2000–2099.
			wantDigit := (birth.Year() - 1900) / 100 * 2
			switch c.Gender {
			case "male":
				men++
			case "female":
				women++
				wantDigit++
			default:
				t.Errorf("gender %q", c.Gender)
			}
			if got := int(id[3] - '0'); got != wantDigit {
				t.Errorf("CCCD %q: gender/century digit %d, want %d for a %s born %d", id, got, wantDigit, c.Gender, birth.Year())
			}
			if yy, _ := strconv.Atoi(id[4:6]); yy != birth.Year()%100 {
				t.Errorf("CCCD %q: year digits %02d, want %02d", id, yy, birth.Year()%100)
			}

			if !strings.ContainsFunc(c.FullName, func(r rune) bool { return r > 127 }) {
				t.Errorf("name %q has no Vietnamese diacritics", c.FullName)
			}
			if !phoneRE.MatchString(c.Phone) {
				t.Errorf("phone %q is not a +84 mobile number", c.Phone)
			}
			if c.Email == "" {
				noEmail++
			} else if !strings.HasSuffix(c.Email, "@example.com") {
				t.Errorf("e-mail %q is not on the reserved example.com domain", c.Email)
			}
			if !strings.HasSuffix(c.Address, ", Thành phố Hà Nội") || !containsUnit(c.Address) {
				t.Errorf("address %q is not in a known Hà Nội ward or commune", c.Address)
			}
			if birth.Year() < 1970 {
				bornBefore1970++
			}
			if birth.Year() >= 2000 {
				bornAfter2000++
			}
		})
	}
	if men == 0 || women == 0 || noEmail == 0 || bornBefore1970 == 0 || bornAfter2000 == 0 {
		t.Errorf("want both genders, someone without e-mail, born before 1970 and since 2000; got %d men, %d women, %d without e-mail, %d before 1970, %d since 2000",
			men, women, noEmail, bornBefore1970, bornAfter2000)
	}

	cs[0].FullName = "changed"
	if devidp.TestCitizens()[0].FullName == "changed" {
		t.Error("TestCitizens returns shared data")
	}
}

func containsUnit(address string) bool {
	for _, u := range hanoiUnits {
		if strings.Contains(address, ", "+u+", ") {
			return true
		}
	}
	return false
}
