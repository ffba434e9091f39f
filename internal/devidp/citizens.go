package devidp

import (
	"errors"
	"fmt"
	"strconv"
	"time"
)

// TestCitizens returns the fictional citizens offered when Config.Citizens
// is nil: adults of different ages and both genders, born in several
// provinces, living in Hà Nội, one without an e-mail address, one born on
// 29 February 2000 (a century-digit and date edge case). Each call returns
// a fresh slice.
//
// CCCD numbers follow the real structure (TT 59/2021/TT-BCA Art. 7): the
// 3-digit code of the province where the birth was registered (pre-2025
// codes, which issued numbers keep), one digit for gender and century of
// birth, the last two digits of the birth year, then six digits. Phone
// numbers use real mobile prefixes and e-mail addresses the reserved
// example.com domain, so nothing is ever sent to a real person.
func TestCitizens() []Citizen {
	return []Citizen{
		{
			Subject:    "dev-citizen-01",
			NationalID: "001085012345", // Hà Nội, male 20th c., 1985
			FullName:   "Nguyễn Văn An",
			BirthDate:  "1985-03-12",
			Gender:     "male",
			Phone:      "+84912000101",
			Email:      "an.nguyen@example.com",
			Address:    "Số 12, tổ dân phố 5, Phường Ba Đình, Thành phố Hà Nội",
		},
		{
			Subject:    "dev-citizen-02",
			NationalID: "079192004567", // TP. Hồ Chí Minh, female 20th c., 1992
			FullName:   "Trần Thị Bích Ngọc",
			BirthDate:  "1992-07-25",
			Gender:     "female",
			Phone:      "+84903000202",
			Email:      "ngoc.tran@example.com",
			Address:    "Số 45, ngõ 120, Phường Cầu Giấy, Thành phố Hà Nội",
		},
		{
			Subject:    "dev-citizen-03",
			NationalID: "031203008912", // Hải Phòng, male 21st c., 2003
			FullName:   "Lê Minh Khôi",
			BirthDate:  "2003-11-02",
			Gender:     "male",
			Phone:      "+84987000303",
			Email:      "khoi.le@example.com",
			Address:    "Phòng 1204, tòa A2, Phường Hoàng Mai, Thành phố Hà Nội",
		},
		{
			Subject:    "dev-citizen-04",
			NationalID: "001305006789", // Hà Nội, female 21st c., 2005
			FullName:   "Phạm Thu Hà",
			BirthDate:  "2005-01-30",
			Gender:     "female",
			Phone:      "+84388000404",
			Address:    "Thôn Giang Cao, Xã Bát Tràng, Thành phố Hà Nội",
		},
		{
			Subject:    "dev-citizen-05",
			NationalID: "038058001234", // Thanh Hóa, male 20th c., 1958
			FullName:   "Hoàng Đức Thắng",
			BirthDate:  "1958-09-15",
			Gender:     "male",
			Phone:      "+84913000505",
			Email:      "thang.hoang@example.com",
			Address:    "Số 8, tổ dân phố 12, Phường Hà Đông, Thành phố Hà Nội",
		},
		{
			Subject:    "dev-citizen-06",
			NationalID: "036176009876", // Nam Định, female 20th c., 1976
			FullName:   "Vũ Thị Lan Anh",
			BirthDate:  "1976-04-08",
			Gender:     "female",
			Phone:      "+84976000606",
			Email:      "lananh.vu@example.com",
			Address:    "Số 27, tổ dân phố 3, Phường Long Biên, Thành phố Hà Nội",
		},
		{
			Subject:    "dev-citizen-07",
			NationalID: "001200003456", // Hà Nội, male 21st c., 2000
			FullName:   "Đặng Quốc Bảo",
			BirthDate:  "2000-02-29",
			Gender:     "male",
			Phone:      "+84862000707",
			Email:      "bao.dang@example.com",
			Address:    "Số 3, ngõ 15, Phường Đống Đa, Thành phố Hà Nội",
		},
	}
}

// checkCitizen rejects citizens whose data contradicts itself, so a typo in
// a configured list fails at start-up rather than in a consumer's test.
func checkCitizen(c Citizen) error {
	if c.Subject == "" || c.FullName == "" {
		return errors.New("subject and full name are required")
	}
	if c.Gender != "" && c.Gender != "male" && c.Gender != "female" {
		return fmt.Errorf("gender %q must be male, female or empty", c.Gender)
	}
	var birth time.Time
	if c.BirthDate != "" {
		var err error
		if birth, err = time.Parse(time.DateOnly, c.BirthDate); err != nil {
			return fmt.Errorf("birth date %q is not YYYY-MM-DD", c.BirthDate)
		}
	}
	return checkNationalID(c.NationalID, birth, c.Gender)
}

// checkNationalID checks the structure of a CCCD number and, when the birth
// date and gender are known, that its fourth to sixth digits agree with
// them: the gender-and-century digit is 0/1 for men/women born 1900–1999,
// 2/3 for 2000–2099, and so on by twos for each later century.
func checkNationalID(id string, birth time.Time, gender string) error {
	if len(id) != 12 {
		return fmt.Errorf("national ID %q must have 12 digits", id)
	}
	for _, r := range id {
		if r < '0' || r > '9' {
			return fmt.Errorf("national ID %q must have only digits", id)
		}
	}
	if id[0] != '0' {
		return fmt.Errorf("national ID %q does not start with a province code (0xx)", id)
	}
	digit := int(id[3] - '0')
	yy, _ := strconv.Atoi(id[4:6])
	if !birth.IsZero() {
		year := birth.Year()
		if year < 1900 || year > 2399 {
			return fmt.Errorf("birth year %d cannot be encoded in a national ID", year)
		}
		if want := (year - 1900) / 100 * 2; digit/2*2 != want {
			return fmt.Errorf("national ID %q: digit 4 (%d) does not match a birth in %d", id, digit, year)
		}
		if yy != year%100 {
			return fmt.Errorf("national ID %q: digits 5–6 (%02d) do not match birth year %d", id, yy, year)
		}
	}
	switch {
	case gender == "male" && digit%2 != 0:
		return fmt.Errorf("national ID %q: digit 4 (%d) means female", id, digit)
	case gender == "female" && digit%2 != 1:
		return fmt.Errorf("national ID %q: digit 4 (%d) means male", id, digit)
	}
	return nil
}
