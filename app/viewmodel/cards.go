package viewmodel

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/vnwallet/citizenwallet/wallet"
)

// Cards: a record shown as the document people know.
//
// A citizen knows their health-insurance card, their căn cước, their
// driving licence and their diploma as pieces of plastic or paper. The
// record screen opens those four with a card: the fields in the order
// and with the names printed on the document, coded values said in words
// (the raw code stays, in small text beside them), then "Chi tiết" with
// every other claim in the order of the record type. The names follow:
//
//   - thẻ BHYT: the card of Quyết định 1351/QĐ-BHXH (2015), whose code is
//     the beneficiary group (2 letters), the benefit level (1 digit), the
//     province (2 digits) and the social-insurance number (10 digits);
//   - căn cước: the card of Thông tư 16/2024/TT-BCA (Luật Căn cước 2023),
//     front then back;
//   - giấy phép lái xe: the PET licence of Thông tư 12/2025/TT-BCA, its
//     classes those of Luật Trật tự, an toàn giao thông đường bộ 2024,
//     art. 57 (and the classes before 2025 still in use), said in the
//     words of the record type's option list;
//   - văn bằng: the diplomas of Thông tư 27/2019/TT-BGDĐT (the kind is
//     the title, then the field of study, the holder, the rating).
//
// Words for a record's dates: the document's own date ("Ngày cấp",
// printed on it) is a claim and stays on the card; the date the agency
// signed the electronic copy (wallet.Record.IssuedAt) is said as
// "Ngày ký bản điện tử", so a screen never shows two different "Ngày cấp".

// LineKind says how a card line may be laid out.
type LineKind int

const (
	// Words may wrap between words (a name, an address, a hospital).
	Words LineKind = iota
	// Value is a number, code or date that must stay on one line (a card
	// number, a citizen id, a date, a licence class): the view never
	// wraps it; it shrinks or scrolls instead.
	Value
)

// CardLine is one line of a card: the name printed on the document and
// the value. Code, when not empty, is the raw code behind a value said
// in words ("4" behind "80 % chi phí …"), shown small beside it.
type CardLine struct {
	Label string
	Value string
	Code  string
	Kind  LineKind
}

// Card is a record as its document: a title as printed, the lines of the
// document, and the remaining claims for "Chi tiết".
type Card struct {
	Title   string
	Lines   []CardLine
	Details []FieldRow
}

// cardField is one line of a card's layout: the claims it shows (one, or
// two joined such as "từ … đến …"), the name printed on the document,
// and how its value reads.
type cardField struct {
	claims []string
	label  wallet.Label
	kind   LineKind
	// words, when set, says a coded value in words and returns the code
	// shown beside it; ok false leaves the value as claimText gives it.
	words func(v any) (text, code string, ok bool)
	// join says several claims as one line (validity from … to …, an
	// address); vals holds "" for a claim the record lacks.
	join func(vals []string) string
}

// cardLayout is a record type's card.
type cardLayout struct {
	title func(c wallet.Claims) wallet.Label
	lines []cardField
}

func one(claim, vi, en string, kind LineKind) cardField {
	return cardField{claims: []string{claim}, label: wallet.Label{VI: vi, EN: en}, kind: kind}
}

func fixedTitle(vi, en string) func(wallet.Claims) wallet.Label {
	return func(wallet.Claims) wallet.Label { return wallet.Label{VI: vi, EN: en} }
}

// cardLayouts are the documents the app shows as cards, by record type.
var cardLayouts = map[string]cardLayout{
	"health.insurance_card": {
		title: fixedTitle("Thẻ bảo hiểm y tế", "Health insurance card"),
		lines: []cardField{
			one("card_number", "Mã thẻ", "Card code", Value),
			one("full_name", "Họ và tên", "Full name", Words),
			one("birth_date", "Ngày sinh", "Date of birth", Value),
			one("sex", "Giới tính", "Sex", Words),
			one("address", "Địa chỉ", "Address", Words),
			{claims: []string{"beneficiary_group"}, label: wallet.Label{VI: "Đối tượng", EN: "Beneficiary group"}, kind: Words, words: beneficiaryWords},
			{claims: []string{"benefit_level"}, label: wallet.Label{VI: "Mức hưởng", EN: "Benefit level"}, kind: Words, words: benefitWords},
			{claims: []string{"primary_care_facility"}, label: wallet.Label{VI: "Nơi đăng ký khám chữa bệnh ban đầu", EN: "Registered primary care facility"}, kind: Words},
			{claims: []string{"valid_from", "valid_to"}, label: wallet.Label{VI: "Giá trị sử dụng", EN: "Valid"}, kind: Words, join: fromTo},
			one("five_years_from", "Thời điểm đủ 5 năm liên tục", "Five consecutive years from", Value),
		},
	},
	"identity.citizen": {
		title: fixedTitle("Căn cước", "Identity card"),
		lines: []cardField{
			one("citizen_id", "Số định danh cá nhân", "Personal identification number", Value),
			one("full_name", "Họ, chữ đệm và tên khai sinh", "Full name", Words),
			one("birth_date", "Ngày, tháng, năm sinh", "Date of birth", Value),
			one("sex", "Giới tính", "Sex", Words),
			one("nationality", "Quốc tịch", "Nationality", Words),
			{claims: []string{"permanent_street", "permanent_commune", "permanent_district", "permanent_province"},
				label: wallet.Label{VI: "Nơi cư trú", EN: "Place of residence"}, kind: Words, join: addressLine},
			one("birth_registration_place", "Nơi đăng ký khai sinh", "Place of birth registration", Words),
			one("card_issued_on", "Ngày, tháng, năm cấp", "Date of issue", Value),
			one("card_expires_on", "Ngày, tháng, năm hết hạn", "Date of expiry", Value),
			one("card_issued_by", "Cơ quan cấp", "Issuing authority", Words),
		},
	},
	DrivingLicenceType: {
		title: fixedTitle("Giấy phép lái xe", "Driving licence"),
		lines: []cardField{
			one("licence_number", "Số", "No.", Value),
			one("full_name", "Họ tên", "Full name", Words),
			one("birth_date", "Ngày sinh", "Date of birth", Value),
			one("nationality", "Quốc tịch", "Nationality", Words),
			one("residence", "Nơi cư trú", "Residence", Words),
			{claims: []string{"class"}, label: wallet.Label{VI: "Hạng", EN: "Class"}, kind: Words, words: licenceClassWords},
			one("first_issued_on", "Ngày trúng tuyển", "Beginning date", Value),
			one("expires_on", "Có giá trị đến", "Expires", Value),
			one("issued_on", "Ngày cấp", "Date of issue", Value),
			one("issued_by", "Cơ quan cấp", "Issuing authority", Words),
		},
	},
	"education.diploma": {
		title: func(c wallet.Claims) wallet.Label {
			if k, _ := c["kind"].(string); k != "" {
				return wallet.Label{VI: k, EN: k} // the kind is the diploma's title ("Bằng cử nhân")
			}
			return wallet.Label{VI: "Văn bằng", EN: "Diploma"}
		},
		lines: []cardField{
			one("major", "Ngành đào tạo", "Field of study", Words),
			one("holder_name", "Cấp cho", "Conferred upon", Words),
			one("birth_date", "Ngày sinh", "Date of birth", Value),
			one("classification", "Xếp loại tốt nghiệp", "Degree classification", Words),
			one("study_mode", "Hình thức đào tạo", "Mode of study", Words),
			one("graduation_year", "Năm tốt nghiệp", "Year of graduation", Value),
			one("institution", "Cơ sở cấp bằng", "Awarding institution", Words),
			one("issued_on", "Ngày cấp", "Date of issue", Value),
			one("serial_number", "Số hiệu", "Serial number", Value),
			one("register_number", "Số vào sổ cấp văn bằng", "Register entry number", Value),
		},
	},
}

// DrivingLicenceType is the record type code the driving-licence card is
// laid out for (wallet's registry; the demo province's police issue it).
const DrivingLicenceType = "identity.driving_licence"

// HasCard reports whether records of type code open with a card.
func HasCard(code string) bool {
	_, ok := cardLayouts[code]
	return ok
}

// CardOf lays record r out as its document, or returns false for a type
// without a card. Lines whose claims r lacks are left out; the details
// are every other claim of the type, in the type's order (claims of an
// unregistered type in name order).
func CardOf(r wallet.Record) (Card, bool) {
	layout, ok := cardLayouts[r.Type]
	if !ok {
		return Card{}, false
	}
	t, _ := wallet.LookupType(r.Type)
	field := func(name string) wallet.Field {
		if t != nil {
			if f, ok := t.Field(name); ok {
				return f
			}
		}
		return guessField(name, r.Claims[name])
	}
	c := Card{Title: Localized(layout.title(r.Claims))}
	shown := map[string]bool{}
	for _, lf := range layout.lines {
		vals := make([]string, len(lf.claims)) // "" for a claim r lacks
		var first any
		for i, name := range lf.claims {
			v, has := r.Claims[name]
			if !has || isBlank(v) {
				continue
			}
			shown[name] = true
			if first == nil {
				first = v
			}
			vals[i] = claimText(field(name), v)
		}
		if first == nil {
			continue // the record lacks every claim of the line
		}
		line := CardLine{Label: Localized(lf.label), Kind: lf.kind}
		switch {
		case lf.join != nil:
			line.Value = lf.join(vals)
		default:
			line.Value = vals[0]
			if lf.words != nil {
				if text, code, ok := lf.words(first); ok {
					line.Value, line.Code = text, code
				}
			}
		}
		c.Lines = append(c.Lines, line)
	}
	// The rest, for "Chi tiết".
	var rest []wallet.Field
	if t != nil {
		rest = t.Fields
	} else {
		for _, name := range sortedKeys(r.Claims) {
			rest = append(rest, guessField(name, r.Claims[name]))
		}
	}
	for _, f := range rest {
		v, has := r.Claims[f.Name]
		if !has || shown[f.Name] || isBlank(v) {
			continue
		}
		if t != nil {
			if o, ok := t.ObjectOf(f.Name); ok {
				// An address: one row, as the document writes it.
				for _, m := range o.Fields {
					shown[m] = true
				}
				c.Details = append(c.Details, FieldRow{Label: Localized(o.Label), Value: o.Line(r.Claims)})
				continue
			}
		}
		c.Details = append(c.Details, FieldRow{Label: Localized(f.Label), Value: claimText(f, v), Sensitive: f.Sensitive})
	}
	return c, true
}

func isBlank(v any) bool {
	s, ok := v.(string)
	return v == nil || ok && strings.TrimSpace(s) == ""
}

// guessField describes a claim of a type the registry does not know.
func guessField(name string, v any) wallet.Field {
	f := wallet.Field{Name: name, Kind: wallet.KindText, Label: wallet.Label{VI: name, EN: name}}
	if s, ok := v.(string); ok {
		if _, err := time.Parse(wallet.DateLayout, s); err == nil {
			f.Kind = wallet.KindDate
		}
	}
	return f
}

func sortedKeys(c wallet.Claims) []string { return slices.Sorted(maps.Keys(c)) }

// fromTo says a validity as the card prints it.
// addressLine says an address's street, commune, district and province
// on one line, as the card prints it.
func addressLine(vals []string) string { return wallet.AddressLine(vals[0], vals[1], vals[2], vals[3]) }

func fromTo(vals []string) string {
	a, b := vals[0], vals[1]
	en := isEnglish()
	switch {
	case a != "" && b != "":
		if en {
			return "from " + a + " to " + b
		}
		return "từ ngày " + a + " đến ngày " + b
	case a != "":
		if en {
			return "from " + a
		}
		return "từ ngày " + a
	}
	if en {
		return "until " + b
	}
	return "đến ngày " + b
}

func isEnglish() bool { return Localized(wallet.Label{VI: "vi", EN: "en"}) == "en" }

// BenefitLevel is what a health-insurance benefit level (the third
// character of the card code, 1 to 5) means: the share of the cost of
// insured care the fund pays (Luật BHYT art. 22, as amended; Nghị định
// 146/2018/NĐ-CP art. 14, amended by Nghị định 75/2023/NĐ-CP; the level
// codes of Quyết định 1351/QĐ-BHXH) when the citizen goes to the
// registered facility or is referred. The groups are the beneficiary
// codes that carry it.
var BenefitLevel = map[int]struct {
	Words  wallet.Label
	Groups []string
}{
	1: {wallet.Label{
		VI: "Quỹ BHYT trả 100 % chi phí khám chữa bệnh trong phạm vi BHYT, không giới hạn tỷ lệ một số thuốc, vật tư y tế và dịch vụ kỹ thuật",
		EN: "The fund pays 100 % of insured care, with no cap on the share of some medicines, supplies and procedures",
	}, []string{"CC", "TE"}},
	2: {wallet.Label{
		VI: "Quỹ BHYT trả 100 % chi phí khám chữa bệnh trong phạm vi BHYT",
		EN: "The fund pays 100 % of insured care",
	}, []string{"CK", "CB", "KC", "HN", "DT", "DK", "XD", "BT", "TS"}},
	3: {wallet.Label{
		VI: "Quỹ BHYT trả 95 % chi phí khám chữa bệnh; 100 % ở trạm y tế xã và khi một lần khám dưới 15 % lương cơ sở",
		EN: "The fund pays 95 % of insured care; 100 % at the commune health station and for a visit under 15 % of the base salary",
	}, []string{"HT", "TC", "CN"}},
	4: {wallet.Label{
		VI: "Quỹ BHYT trả 80 % chi phí khám chữa bệnh; 100 % ở trạm y tế xã và khi một lần khám dưới 15 % lương cơ sở",
		EN: "The fund pays 80 % of insured care; 100 % at the commune health station and for a visit under 15 % of the base salary",
	}, []string{"DN", "HX", "CH", "NN", "TK", "HC", "XK", "TB", "NO", "XB", "TN", "CS", "XN", "MS", "HD", "TQ", "TA", "TY", "HG", "LS", "PV", "HS", "SV", "GB", "GD"}},
	5: {wallet.Label{
		VI: "Quỹ BHYT trả 100 % chi phí khám chữa bệnh, kể cả ngoài phạm vi BHYT",
		EN: "The fund pays 100 % of care, including care outside the insured scope",
	}, []string{"QN", "CA", "CY"}},
}

func benefitWords(v any) (string, string, bool) {
	n, ok := v.(float64)
	if !ok {
		if i, isInt := v.(int); isInt {
			n, ok = float64(i), true
		}
	}
	lvl, known := BenefitLevel[int(n)]
	if !ok || !known || n != float64(int(n)) {
		return "", "", false
	}
	return Localized(lvl.Words), codeNote(fmt.Sprint(int(n))), true
}

// Beneficiary names the beneficiary groups (the card code's first two
// letters) most cards in a province carry (Luật BHYT art. 12; the codes
// of Quyết định 1351/QĐ-BHXH).
var Beneficiary = map[string]wallet.Label{
	"DN": {VI: "Người lao động làm việc trong doanh nghiệp", EN: "Employee of an enterprise"},
	"HX": {VI: "Người lao động làm việc trong hợp tác xã", EN: "Employee of a cooperative"},
	"HC": {VI: "Cán bộ, công chức, viên chức", EN: "Civil servant or public employee"},
	"HT": {VI: "Người hưởng lương hưu, trợ cấp mất sức lao động", EN: "Pensioner"},
	"TE": {VI: "Trẻ em dưới 6 tuổi", EN: "Child under 6"},
	"CC": {VI: "Người có công với cách mạng", EN: "Person with meritorious service to the revolution"},
	"HN": {VI: "Người thuộc hộ nghèo", EN: "Member of a poor household"},
	"CN": {VI: "Người thuộc hộ cận nghèo", EN: "Member of a near-poor household"},
	"BT": {VI: "Người hưởng trợ cấp xã hội hằng tháng", EN: "Recipient of monthly social assistance"},
	"DT": {VI: "Người dân tộc thiểu số sống ở vùng có điều kiện kinh tế - xã hội khó khăn", EN: "Ethnic minority in a disadvantaged area"},
	"TN": {VI: "Người đang hưởng trợ cấp thất nghiệp", EN: "Recipient of unemployment benefit"},
	"HS": {VI: "Học sinh", EN: "Pupil"},
	"SV": {VI: "Sinh viên", EN: "Student"},
	"GD": {VI: "Người tham gia theo hộ gia đình", EN: "Insured with the household"},
	"QN": {VI: "Quân nhân", EN: "Member of the armed forces"},
	"CA": {VI: "Công an nhân dân", EN: "Member of the people's police"},
	"CY": {VI: "Người làm công tác cơ yếu", EN: "Cipher service staff"},
}

func beneficiaryWords(v any) (string, string, bool) {
	s, _ := v.(string)
	l, ok := Beneficiary[s]
	if !ok {
		return "", "", false
	}
	return Localized(l), codeNote(s), true
}

// licenceClassWords says what a driving-licence class lets its holder
// drive, in the words of the record type's option list (wallet's
// registry: Luật Trật tự, an toàn giao thông đường bộ 2024, art. 57, and
// the former classes A2 and B2); a list "A1, B" is said class by class.
// A class the registry does not know leaves the value as its code.
func licenceClassWords(v any) (string, string, bool) {
	s, _ := v.(string)
	t, ok := wallet.LookupType(DrivingLicenceType)
	if !ok {
		return "", "", false
	}
	f, _ := t.Field("class")
	var words []string
	for _, c := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		o, ok := f.Option(c)
		if !ok {
			return "", "", false
		}
		words = append(words, c+": "+Localized(o.Label))
	}
	if len(words) == 0 {
		return "", "", false
	}
	return strings.Join(words, "\n"), codeNote(s), true
}

// CodedWords says a coded claim value in words, the way its card does
// ("4" of a BHYT card's benefit_level → "Quỹ BHYT trả 80 % …", code
// "mã 4"), for screens that show claims outside a card (the counter's
// verdict). ok is false for a claim that no card says in words, or a
// value its mapping does not know; the screen then shows the value as it
// is.
func CodedWords(recordType, claim string, v any) (text, code string, ok bool) {
	for _, lf := range cardLayouts[recordType].lines {
		if lf.words != nil && len(lf.claims) == 1 && lf.claims[0] == claim {
			return lf.words(v)
		}
	}
	return "", "", false
}

// codeNote is how a raw code reads in small text beside its words.
func codeNote(code string) string {
	if isEnglish() {
		return "code " + code
	}
	return "mã " + code
}

// IsCode reports whether s is one number, code or date (no space, at
// least one digit: "HC4757573214192", "075173001234", "26/12/1973",
// "B2"), which a screen must show on one line, never wrapped mid-value.
func IsCode(s string) bool {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsFunc(s, unicode.IsSpace) {
		return false
	}
	return strings.ContainsFunc(s, unicode.IsDigit)
}
