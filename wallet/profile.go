package wallet

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Profile is the citizen one store belongs to. A phone may hold several
// profiles (the citizen, their children, elderly parents), each in its own
// encrypted database.
type Profile struct {
	// CitizenID is the 12-digit personal identification number (số định
	// danh cá nhân, the number on the chip ID card).
	CitizenID string    `json:"citizen_id"`
	FullName  string    `json:"full_name"`
	BirthDate time.Time `json:"birth_date"` // a date; the time of day is zero, UTC
	CreatedAt time.Time `json:"created_at"`
}

// MaxNameRunes bounds Profile.FullName.
const MaxNameRunes = 200

// Validate checks the profile against the domain rules: a valid citizen
// number (ValidateCitizenID), a full name (ValidateFullName), a birth
// date that is a date (midnight UTC), not in the future, and agrees with
// the century and year coded in the citizen number (CitizenBirthCheck).
// CreatedAt is not checked. The error wraps ErrInvalid and names the rule.
func (p Profile) Validate() error {
	return p.validateAt(time.Now())
}

func (p Profile) validateAt(now time.Time) error {
	if err := ValidateCitizenID(p.CitizenID); err != nil {
		return err
	}
	if err := ValidateFullName(p.FullName); err != nil {
		return err
	}
	b := p.BirthDate
	if b.IsZero() {
		return fmt.Errorf("%w: profile has no birth date", ErrInvalid)
	}
	if b.Location() != time.UTC || b.Hour() != 0 || b.Minute() != 0 || b.Second() != 0 || b.Nanosecond() != 0 {
		return fmt.Errorf("%w: birth date %s is not a date at midnight UTC", ErrInvalid, b.Format(time.RFC3339Nano))
	}
	if b.After(now) {
		return fmt.Errorf("%w: birth date %s is in the future", ErrInvalid, b.Format(DateLayout))
	}
	return CitizenBirthCheck(p.CitizenID, b)
}

// ValidateFullName checks a citizen's full name: not empty, no leading or
// trailing spaces, no runs of spaces, valid UTF-8 of at most MaxNameRunes
// characters, made of letters (with their diacritics, precomposed or
// combining), single spaces, and the apostrophes, hyphens and dots some
// names of ethnic minorities use ("H'Hen Niê", "Y-Moan"). The error wraps
// ErrInvalid.
func ValidateFullName(name string) error {
	if strings.TrimSpace(name) == "" {
		return fmt.Errorf("%w: full name is empty", ErrInvalid)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%w: full name is not valid UTF-8", ErrInvalid)
	}
	if n := utf8.RuneCountInString(name); n > MaxNameRunes {
		return fmt.Errorf("%w: full name has %d characters, more than %d", ErrInvalid, n, MaxNameRunes)
	}
	if strings.TrimSpace(name) != name {
		return fmt.Errorf("%w: full name has leading or trailing spaces", ErrInvalid)
	}
	if strings.Contains(name, "  ") {
		return fmt.Errorf("%w: full name has two spaces in a row", ErrInvalid)
	}
	for _, r := range name {
		switch {
		case unicode.IsLetter(r), unicode.Is(unicode.Mn, r):
		case r == ' ', r == '\'', r == '’', r == '-', r == '.':
		default:
			return fmt.Errorf("%w: full name contains %q, which is not a letter", ErrInvalid, r)
		}
	}
	return nil
}

// provinces maps the first three digits of a personal identification
// number (the province or centrally-run city where the birth was
// registered) to its name: Annex 1 of Circular 07/2016/TT-BCA, kept by
// Circular 59/2021/TT-BCA. The 2025 merger into 34 provinces did not
// renumber anyone, so every code stays valid for numbers already issued.
var provinces = map[string]string{
	"001": "Hà Nội", "002": "Hà Giang", "004": "Cao Bằng", "006": "Bắc Kạn",
	"008": "Tuyên Quang", "010": "Lào Cai", "011": "Điện Biên", "012": "Lai Châu",
	"014": "Sơn La", "015": "Yên Bái", "017": "Hòa Bình", "019": "Thái Nguyên",
	"020": "Lạng Sơn", "022": "Quảng Ninh", "024": "Bắc Giang", "025": "Phú Thọ",
	"026": "Vĩnh Phúc", "027": "Bắc Ninh", "030": "Hải Dương", "031": "Hải Phòng",
	"033": "Hưng Yên", "034": "Thái Bình", "035": "Hà Nam", "036": "Nam Định",
	"037": "Ninh Bình", "038": "Thanh Hóa", "040": "Nghệ An", "042": "Hà Tĩnh",
	"044": "Quảng Bình", "045": "Quảng Trị", "046": "Thừa Thiên Huế", "048": "Đà Nẵng",
	"049": "Quảng Nam", "051": "Quảng Ngãi", "052": "Bình Định", "054": "Phú Yên",
	"056": "Khánh Hòa", "058": "Ninh Thuận", "060": "Bình Thuận", "062": "Kon Tum",
	"064": "Gia Lai", "066": "Đắk Lắk", "067": "Đắk Nông", "068": "Lâm Đồng",
	"070": "Bình Phước", "072": "Tây Ninh", "074": "Bình Dương", "075": "Đồng Nai",
	"077": "Bà Rịa - Vũng Tàu", "079": "Hồ Chí Minh", "080": "Long An", "082": "Tiền Giang",
	"083": "Bến Tre", "084": "Trà Vinh", "086": "Vĩnh Long", "087": "Đồng Tháp",
	"089": "An Giang", "091": "Kiên Giang", "092": "Cần Thơ", "093": "Hậu Giang",
	"094": "Sóc Trăng", "095": "Bạc Liêu", "096": "Cà Mau",
}

// CitizenIDProvince returns the name of the province coded in the first
// three digits of a citizen number (as of the 2016 list: the province
// where the birth was registered).
func CitizenIDProvince(id string) (string, bool) {
	if len(id) < 3 {
		return "", false
	}
	name, ok := provinces[id[:3]]
	return name, ok
}

// ValidateCitizenID checks the form of a 12-digit personal identification
// number (số định danh cá nhân, Circular 07/2016/TT-BCA and its
// successors):
//
//	digits 1-3   province or city code where the birth was registered
//	             (001 Hà Nội ... 075 Đồng Nai ... 096 Cà Mau)
//	digit  4     century of birth and sex: 0/1 = 1900s male/female,
//	             2/3 = 2000s, 4/5 = 2100s, 6/7 = 2200s, 8/9 = 2300s
//	digits 5-6   the last two digits of the year of birth
//	digits 7-12  a random number
//
// Every 4th digit is valid, so only the length, the digits and the
// province code can be checked without a birth date. The error wraps
// ErrInvalid.
func ValidateCitizenID(s string) error {
	if s == "" {
		return fmt.Errorf("%w: citizen number is empty", ErrInvalid)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return fmt.Errorf("%w: citizen number must have only digits 0-9", ErrInvalid)
		}
	}
	if len(s) != 12 {
		return fmt.Errorf("%w: citizen number must have 12 digits, has %d", ErrInvalid, len(s))
	}
	if _, ok := provinces[s[:3]]; !ok {
		return fmt.Errorf("%w: citizen number starts with %s, which is not a province code", ErrInvalid, s[:3])
	}
	return nil
}

// CitizenIDBirthYear returns the year of birth coded in a citizen number
// (digits 4-6) and whether the number is female-coded. It validates the
// number first (ValidateCitizenID).
func CitizenIDBirthYear(id string) (year int, female bool, err error) {
	if err := ValidateCitizenID(id); err != nil {
		return 0, false, err
	}
	c := int(id[3] - '0')
	yy := int(id[4]-'0')*10 + int(id[5]-'0')
	return 1900 + (c/2)*100 + yy, c%2 == 1, nil
}

// CitizenBirthCheck reports whether the century and year coded in a
// citizen number agree with a birth date. The error wraps ErrInvalid.
func CitizenBirthCheck(id string, birth time.Time) error {
	year, _, err := CitizenIDBirthYear(id)
	if err != nil {
		return err
	}
	if birth.Year() != year {
		return fmt.Errorf("%w: citizen number codes birth year %d, but the birth date is in %d", ErrInvalid, year, birth.Year())
	}
	return nil
}

// PIN rules shared by the app and walletctl.
const (
	// MinPINLength is the shortest PIN or passphrase accepted, in
	// characters.
	MinPINLength = 6
	// MaxPINBytes bounds a PIN or passphrase.
	MaxPINBytes = 1024
)

// ValidatePIN checks a new PIN or passphrase: valid UTF-8, at least
// MinPINLength characters, at most MaxPINBytes bytes, and no control
// characters (which a terminal or a scanner would not type the same way
// twice). The error wraps ErrInvalid and never contains the PIN.
func ValidatePIN(pin []byte) error {
	if !utf8.Valid(pin) {
		return fmt.Errorf("%w: PIN is not valid UTF-8", ErrInvalid)
	}
	if len(pin) > MaxPINBytes {
		return fmt.Errorf("%w: PIN is longer than %d bytes", ErrInvalid, MaxPINBytes)
	}
	if n := utf8.RuneCount(pin); n < MinPINLength {
		return fmt.Errorf("%w: PIN must have at least %d characters, has %d", ErrInvalid, MinPINLength, n)
	}
	for _, r := range string(pin) {
		if unicode.IsControl(r) {
			return fmt.Errorf("%w: PIN contains a control character", ErrInvalid)
		}
	}
	return nil
}
