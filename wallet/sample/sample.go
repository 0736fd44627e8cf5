package sample

import (
	"fmt"
	"maps"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
)

// Sample data: deterministic, valid and realistic profiles and records
// for Store tests, benchmarks and demos. The same arguments always give
// the same values, so tests can compare what they read back with a fresh
// sample.
//
// Values have the shapes that encoding/json decodes (float64 numbers,
// []any lists, times in UTC without a monotonic reading), so a record that
// a store round-trips through JSON is reflect.DeepEqual to its sample.

// Profile returns a valid, realistic profile of a citizen whose
// birth was registered in Đồng Nai (citizen number 075...). i selects the
// person; even i are men and odd i women; different i from 0 to 999 999
// give different citizen numbers. CreatedAt is a fixed time plus i
// minutes (modulo 100 000).
func Profile(i int) wallet.Profile {
	n := index(i)
	female := n%2 == 1
	birth := sampleBirth(n)
	return wallet.Profile{
		CitizenID: citizenID(birth, female, (n*7919+1234)%1_000_000),
		FullName:  personName(n, female),
		BirthDate: birth,
		CreatedAt: time.Date(2025, 1, 2, 8, 0, 0, 0, time.UTC).Add(time.Duration(n%100_000) * time.Minute),
	}
}

// Record returns a valid record of type t about the citizen of
// Profile(i): version 1, active, every required claim and most
// optional ones filled with realistic values that vary with i (which
// optional claims are left out varies with i too). Its ID is
// "sample-<type>-<i>", unique per (t, i); its Issuer is the agency that
// issues that kind of record in Đồng Nai (vn.dongnai.soyte, vn.bca.cuc-c06,
// vn.dongnai.sotuphap, vn.dongnai.sogddt, vn.bhxh.dongnai,
// vn.dongnai.sldtbxh ...). ReceivedAt and Credential are left empty.
//
// Claims whose names the sampler does not know (a type added to the
// registry later) get a valid value of their kind, so Record stays
// valid for every registered type.
func Record(t *wallet.RecordType, i int) wallet.Record {
	r := newSampler(t, i, index(i)).record()
	r.ID = fmt.Sprintf("sample-%s-%d", t.Code, i)
	return r
}

// Nth returns the k-th record of type t about the citizen of Profile(i)
// (several visits, doses, jobs ...): Nth(t, i, 0) has the claims of
// Record(t, i); a larger k varies the date and the event's own values
// (facility, diagnosis, employer ...) while the claims about the person
// (names, dates of birth, numbers, addresses, parents) stay those of
// Record(t, i). Its ID is "sample-<type>-<i>-<k>".
func Nth(t *wallet.RecordType, i, k int) wallet.Record {
	return nth(t, i, k, "")
}

// NthLicence is Nth for the driving licence (LicenceType) with its class
// chosen rather than sampled: a card of that class, issued no earlier
// than the class's minimum age (LicenceMinAge) allows. The card's date
// decides the rest: a class of the 2024 law other than A1 is issued from
// PoliceLicensing on; a card dated earlier is one the Department of
// Transport issued, and class A or B is then the former A2 or B2. class
// must be one of the type's options.
func NthLicence(i, k int, class string) wallet.Record {
	t, _ := wallet.LookupType(LicenceType)
	return nth(t, i, k, class)
}

func nth(t *wallet.RecordType, i, k int, class string) wallet.Record {
	base := Record(t, i)
	sm := newSampler(t, i, index(i)+uint(k)*1_000_003)
	sm.class = class
	r := sm.record()
	for name := range personClaims {
		if v, ok := base.Claims[name]; ok {
			r.Claims[name] = v
		} else {
			delete(r.Claims, name)
		}
	}
	if t.Code == "health.insurance_card" {
		// The card's code is the group and level of this card, then the
		// province and the holder's social-insurance number (which stay):
		// a citizen who turns 60 gets an HT card with a new code.
		if code, ok := r.Claims["card_number"].(string); ok && len(code) == 15 {
			group, _ := r.Claims["beneficiary_group"].(string)
			level, _ := r.Claims["benefit_level"].(float64)
			r.Claims["card_number"] = fmt.Sprintf("%s%d%s", group, int(level), code[3:])
		}
	}
	r.ID = fmt.Sprintf("sample-%s-%d-%d", t.Code, i, k)
	return r
}

// personClaims are the claims about the citizen rather than the event,
// which Nth keeps from Record.
var personClaims = map[string]bool{
	"full_name": true, "holder_name": true, "student_name": true, "candidate_name": true,
	"birth_date": true, "sex": true, "citizen_id": true, "ethnicity": true, "religion": true,
	"nationality": true, "hometown": true, "birth_registration_place": true, "birth_place": true,
	"permanent_address": true, "residence": true, "address": true,
	"permanent_street": true, "permanent_commune": true, "permanent_district": true, "permanent_province": true,
	"current_street": true, "current_commune": true, "current_district": true, "current_province": true,
	"father_name": true, "mother_name": true, "spouse_name": true,
	"social_insurance_number": true, "card_number": true, "height_cm": true,
}

// onPaper are optional claims the paper document always carries in the
// demo: a birth certificate names both parents (the law leaves the father
// blank only when he is not determined), a transcript has its class, its
// average and the rating the average earns, a health-insurance card the
// group and level its code starts with and the end of its validity, a
// driving licence everything its card prints (an expiry exactly when its
// class has a term), an ID card its whole addresses.
var onPaper = map[string]bool{
	"identity.citizen.permanent_street": true, "identity.citizen.permanent_commune": true,
	"identity.citizen.permanent_district": true, "identity.citizen.permanent_province": true,
	"identity.citizen.current_street": true, "identity.citizen.current_commune": true,
	"identity.citizen.current_district": true, "identity.citizen.current_province": true,
	LicenceType + ".nationality": true, LicenceType + ".residence": true, LicenceType + ".first_issued_on": true, LicenceType + ".expires_on": true,
	"civil.birth.father_name": true, "civil.birth.mother_name": true,
	"education.transcript.class_name": true, "education.transcript.gpa": true, "education.transcript.ranking": true, "education.transcript.title": true,
	"health.insurance_card.beneficiary_group": true, "health.insurance_card.benefit_level": true, "health.insurance_card.valid_to": true,
}

// record generates the record's claims, issuer and dates.
func (s *sampler) record() wallet.Record {
	t := s.t
	if t.Code == LicenceType {
		s.event = s.licence().issued
	}
	claims := wallet.Claims{}
	for j, f := range t.Fields {
		if !f.Required && !onPaper[t.Code+"."+f.Name] && (s.n+uint(j)*3)%7 == 6 {
			continue // leave some optional claims out, a different set per i
		}
		if v, ok := s.value(f, claims); ok {
			claims[f.Name] = v
		}
	}
	r := wallet.Record{
		Type:     t.Code,
		Domain:   t.Domain,
		Issuer:   issuerOf(t.Code),
		IssuedAt: s.event.Add(time.Duration(8+s.n%9)*time.Hour + time.Duration(s.n%60)*time.Minute),
		Version:  1,
		Status:   wallet.StatusActive,
		Claims:   claims,
	}
	switch t.Code {
	case "health.insurance_card":
		r.ValidFrom = dateOf(claims["valid_from"])
		r.ValidUntil = dateOf(claims["valid_to"])
	case "identity.citizen":
		r.ValidFrom = dateOf(claims["card_issued_on"])
		r.ValidUntil = dateOf(claims["card_expires_on"])
	case "civil.marital_status":
		r.ValidUntil = dateOf(claims["valid_until"])
	case LicenceType:
		r.ValidFrom = dateOf(claims["issued_on"])
		r.ValidUntil = dateOf(claims["expires_on"])
		if r.IssuedAt.Before(PoliceLicensing) {
			// A card of the Department of Transport: the police signed its
			// electronic copy when they took the register over (and before
			// the communes merged, so its address is the card's).
			r.IssuedAt = PoliceLicensing.AddDate(0, 0, int(s.n%110)).Add(r.IssuedAt.Sub(dateOf(claims["issued_on"])))
		}
	}
	return r
}

// WithMarker returns a copy of r in which every free-text claim (and every
// item of a list claim) ends with " " + marker. Coded text claims (fields
// with Options), dates, numbers and bools are left as they are, so the
// record stays valid as long as the marker is short. Tests store marked
// records and then search the files on disk for the marker, which must
// never appear there in plain text.
func WithMarker(r wallet.Record, marker string) wallet.Record {
	t, ok := wallet.LookupType(r.Type)
	out := r
	out.Claims = maps.Clone(r.Claims)
	for name, v := range out.Claims {
		var f wallet.Field
		if ok {
			f, _ = t.Field(name)
		}
		switch v := v.(type) {
		case string:
			if len(f.Options) == 0 && (f.Kind == wallet.KindText || !ok) {
				out.Claims[name] = v + " " + marker
			}
		case []any:
			items := make([]any, len(v))
			for k, it := range v {
				if s, isStr := it.(string); isStr {
					items[k] = s + " " + marker
				} else {
					items[k] = it
				}
			}
			out.Claims[name] = items
		case []string:
			items := make([]string, len(v))
			for k, s := range v {
				items[k] = s + " " + marker
			}
			out.Claims[name] = items
		}
	}
	return out
}

// issuerOf names the agency that issues a record type in Đồng Nai.
func issuerOf(code string) string {
	switch {
	case code == "identity.citizen":
		return "vn.bca.cuc-c06"
	case strings.HasPrefix(code, "identity."):
		return "vn.dongnai.congan"
	case strings.HasPrefix(code, "civil."), strings.HasPrefix(code, "justice."):
		return "vn.dongnai.sotuphap"
	case code == "health.insurance_card":
		return "vn.bhxh.dongnai"
	case code == "health.disability":
		return "vn.dongnai.sldtbxh"
	case strings.HasPrefix(code, "health."):
		return "vn.dongnai.soyte"
	case strings.HasPrefix(code, "education."):
		return "vn.dongnai.sogddt"
	case code == "labour.employment":
		return "vn.dongnai.sldtbxh"
	case strings.HasPrefix(code, "labour."):
		return "vn.bhxh.dongnai"
	}
	return "vn.dongnai.lgsp"
}

// index maps any int to a selector (negative i wrap around, which is as
// deterministic).
func index(i int) uint { return uint(i) }

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func dateOf(v any) time.Time {
	s, _ := v.(string)
	d, err := wallet.ParseDate(s)
	if err != nil {
		return time.Time{}
	}
	return d
}

func ymd(t time.Time) string { return t.Format(wallet.DateLayout) }

// sampleBirth spreads birth dates over 1945-2007 (adults by 2025).
func sampleBirth(n uint) time.Time {
	return day(1945+int(n*7%63), time.Month(1+n*5%12), 1+int(n*11%28))
}

// citizenID builds a valid 12-digit number for a Đồng Nai birth.
func citizenID(birth time.Time, female bool, serial uint) string {
	c := (birth.Year() - 1900) / 100 * 2
	if female {
		c++
	}
	return fmt.Sprintf("075%d%02d%06d", c, birth.Year()%100, serial%1_000_000)
}

var (
	familyNames = []string{"Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương", "Lý"}
	maleMiddle  = []string{"Văn", "Hữu", "Đức", "Minh", "Quốc", "Thành", "Công", "Gia"}
	femMiddle   = []string{"Thị", "Ngọc", "Thu", "Thanh", "Mỹ", "Kim", "Bảo", "Thị Thu"}
	maleGiven   = []string{"An", "Bình", "Cường", "Dũng", "Hùng", "Khoa", "Long", "Nam", "Phúc", "Quang", "Sơn", "Tuấn", "Việt", "Khải", "Lộc"}
	femGiven    = []string{"Anh", "Chi", "Hà", "Hương", "Lan", "Linh", "Mai", "Nga", "Oanh", "Phương", "Thảo", "Trang", "Yến", "Nhung", "Hạnh"}
	ethnicities = []string{"Kinh", "Kinh", "Kinh", "Kinh", "Hoa", "Tày", "Nùng", "Chơ Ro", "Khmer", "Mạ"}
	religions   = []string{"Không", "Không", "Phật giáo", "Công giáo", "Cao Đài", "Tin Lành"}
	streets     = []string{"Phạm Văn Thuận", "Võ Thị Sáu", "Đồng Khởi", "Nguyễn Ái Quốc", "Cách Mạng Tháng Tám", "Hà Huy Giáp", "Bùi Văn Hòa", "Phan Trung", "Huỳnh Văn Nghệ", "Nguyễn Văn Trị"}
	// Wards of Đồng Nai since the July 2025 reorganisation.
	wards = []string{"Trấn Biên", "Biên Hòa", "Tam Hiệp", "Long Bình", "Hố Nai", "Trảng Dài", "Long Hưng", "Phước Tân", "Tam Phước", "Long Khánh", "Bình Lộc", "Bảo Vinh"}
	// Wards of Biên Hòa city before it.
	oldWards  = []string{"Quyết Thắng", "Tân Hiệp", "Trảng Dài", "Long Bình Tân", "Tân Phong", "Hố Nai", "Thống Nhất", "Tam Hòa", "Bửu Long", "Hòa Bình"}
	hospitals = []string{"Bệnh viện Đa khoa Đồng Nai", "Bệnh viện Đa khoa Thống Nhất Đồng Nai", "Trung tâm Y tế huyện Long Thành", "Bệnh viện Đa khoa khu vực Long Khánh", "Bệnh viện Đa khoa Biên Hòa", "Trung tâm Y tế thành phố Biên Hòa"}
	employers = []string{"Công ty TNHH Thương mại Dịch vụ Phước Thành", "Công ty Cổ phần Cơ khí Tân Mai", "Công ty TNHH May mặc Long Bình", "Công ty Cổ phần Thực phẩm Đồng Nai Xanh", "Hợp tác xã Nông nghiệp Xuân Lộc"}
	positions = []string{"Kế toán tổng hợp", "Công nhân may", "Kỹ thuật viên điện", "Nhân viên kinh doanh", "Thủ kho", "Kỹ sư cơ khí"}
	// diagnoses pairs a diagnosis with its ICD-10 code.
	diagnoses = [][2]string{
		{"Viêm phế quản cấp", "J20.9"}, {"Viêm họng cấp", "J02.9"}, {"Tăng huyết áp vô căn (nguyên phát)", "I10"},
		{"Đái tháo đường type 2", "E11.9"}, {"Viêm dạ dày", "K29.7"}, {"Sốt xuất huyết Dengue", "A97.0"},
		{"Đau lưng vùng thắt lưng", "M54.5"},
	}
	medicines = []string{
		"Amoxicillin 500mg – 21 viên – uống 1 viên x 3 lần/ngày sau ăn",
		"Paracetamol 500mg – 10 viên – uống 1 viên khi sốt trên 38,5°C, cách nhau ít nhất 4 giờ",
		"Amlodipin 5mg – 30 viên – uống 1 viên buổi sáng",
		"Metformin 500mg – 60 viên – uống 1 viên x 2 lần/ngày sau ăn",
		"Omeprazol 20mg – 14 viên – uống 1 viên trước ăn sáng 30 phút",
		"Vitamin C 500mg – 10 viên – uống 1 viên/ngày",
	}
	// vaccines: vaccine, disease prevented, manufacturer.
	vaccines = [][3]string{
		{"Vaxigrip Tetra", "Cúm mùa", "Sanofi Pasteur"}, {"Engerix-B", "Viêm gan B", "GSK"},
		{"Verorab", "Bệnh dại", "Sanofi Pasteur"}, {"Gardasil 9", "Ung thư cổ tử cung do HPV", "MSD"},
		{"Abhayrab", "Bệnh dại", "Indian Immunologicals"}, {"Adacel", "Bạch hầu, ho gà, uốn ván", "Sanofi Pasteur"},
	}
	schools        = []string{"Trường THPT Ngô Quyền", "Trường THPT chuyên Lương Thế Vinh", "Trường THPT Nam Hà", "Trường THPT Trấn Biên", "Trường THPT Long Khánh"}
	lowerSecondary = []string{"Trường THCS Quyết Thắng", "Trường THCS Trảng Dài (mẫu)", "Trường THCS Tam Hiệp (mẫu)"}
	institutions   = []string{"Trường Đại học Đồng Nai", "Trường Đại học Lạc Hồng", "Trường Đại học Công nghệ Đồng Nai", "Trường Cao đẳng Kỹ thuật Đồng Nai"}
	majors         = []string{"Kế toán", "Công nghệ thông tin", "Sư phạm Toán học", "Kỹ thuật điện", "Quản trị kinh doanh", "Điều dưỡng"}
	subjects       = []string{"Toán", "Ngữ văn", "Tiếng Anh", "Vật lí", "Hóa học", "Sinh học", "Lịch sử", "Địa lí"}
)

func personName(n uint, female bool) string {
	fam := familyNames[n*7%uint(len(familyNames))]
	if female {
		return fam + " " + femMiddle[n/3%uint(len(femMiddle))] + " " + femGiven[n*5%uint(len(femGiven))]
	}
	return fam + " " + maleMiddle[n/3%uint(len(maleMiddle))] + " " + maleGiven[n*5%uint(len(maleGiven))]
}

type sampler struct {
	t      *wallet.RecordType
	n      uint
	person uint // the citizen's index: what stays the same across their records
	p      wallet.Profile
	female bool
	event  time.Time // the record's main date (issue, visit, registration ...)
	// class is the driving-licence class asked for (NthLicence), "" to
	// sample one; lic the licence once made.
	class string
	lic   *licence
}

// newSampler samples a record of type t about citizen person; variety
// drives everything about the event (its date and values).
func newSampler(t *wallet.RecordType, person int, variety uint) *sampler {
	n := variety
	p := Profile(person)
	// Recent events: 2019 to 2026, never before the citizen's 18th
	// birthday where the record is about an adult matter.
	ev := day(2019+int(n*3%7), time.Month(1+n*7%12), 1+int(n*13%28))
	if adult := p.BirthDate.AddDate(18, 0, 0); ev.Before(adult) {
		ev = adult.AddDate(0, 1+int(n%10), 0)
	}
	return &sampler{t: t, n: n, person: index(person), p: p, female: index(person)%2 == 1, event: ev}
}

func (s *sampler) pick(list []string, salt uint) string {
	return list[(s.n+salt*31)%uint(len(list))]
}

func (s *sampler) ward(salt uint) string { return s.pick(wards, salt) }

func (s *sampler) address(salt uint) string {
	return wallet.AddressLine(s.street(salt), "Phường "+s.ward(salt), "", "Đồng Nai")
}

// street is a house on a street of a ward ("Số 12, đường Võ Thị Sáu,
// khu phố 3"), the first part of an address.
func (s *sampler) street(salt uint) string {
	return fmt.Sprintf("Số %d, đường %s, khu phố %d", 1+(s.n+salt)*17%240, s.pick(streets, salt), 1+(s.n+salt)%9)
}

func (s *sampler) oldPlace(salt uint) string {
	return "Phường " + s.pick(oldWards, salt) + ", thành phố Biên Hòa, tỉnh Đồng Nai"
}

func (s *sampler) office(salt uint) string {
	if s.event.Year() < 2025 {
		return "UBND phường " + s.pick(oldWards, salt) + ", thành phố Biên Hòa, tỉnh Đồng Nai"
	}
	return "UBND phường " + s.ward(salt) + ", tỉnh Đồng Nai"
}

// relative returns another person: a parent, spouse or official.
func (s *sampler) relative(salt uint, female bool) string {
	return personName(s.n*13+salt*101+7, female)
}

func (s *sampler) relID(birth time.Time, female bool, salt uint) string {
	return citizenID(birth, female, (s.n*104729+salt*7907)%1_000_000)
}

func (s *sampler) diag() [2]string { return diagnoses[s.n*3%uint(len(diagnoses))] }

func (s *sampler) score(salt uint) string {
	v := 55 + (s.n*7+salt*13)%45 // 5,5 to 9,9
	return fmt.Sprintf("%d,%d", v/10, v%10)
}

func (s *sampler) scores(k int) []any {
	out := make([]any, k)
	for j := range k {
		out[j] = subjects[j%len(subjects)] + ": " + s.score(uint(j))
	}
	return out
}

// milestone returns the next birthday at 25, 40 or 60 after from (when an
// ID card expires), or false past 60 (no expiry).
func (s *sampler) milestone(from time.Time) (time.Time, bool) {
	for _, age := range []int{25, 40, 60} {
		if d := s.p.BirthDate.AddDate(age, 0, 0); d.After(from) {
			return d, true
		}
	}
	return time.Time{}, false
}

// value returns a claim value for f; false leaves the claim out. claims
// holds the claims already chosen (fields earlier in the type), for the
// few values that depend on one another.
func (s *sampler) value(f wallet.Field, claims wallet.Claims) (any, bool) {
	code, ev, p := s.t.Code, s.event, s.p
	if v, ok := s.special(f, claims); ok {
		return v, v != nil
	}
	if strings.HasSuffix(f.Name, "sex") && len(f.Options) > 0 {
		if s.female {
			return "female", true
		}
		return "male", true
	}
	if len(f.Options) > 0 {
		return f.Options[(s.n+uint(len(f.Name)))%uint(len(f.Options))].Value, true
	}
	switch f.Name {
	case "full_name", "holder_name", "student_name", "candidate_name":
		return p.FullName, true
	case "birth_date":
		return ymd(p.BirthDate), true
	case "citizen_id":
		return p.CitizenID, true
	case "other_names":
		return nil, false
	case "nationality", "father_nationality", "mother_nationality", "husband_nationality", "wife_nationality", "deceased_nationality":
		return "Việt Nam", true
	case "ethnicity", "husband_ethnicity", "wife_ethnicity", "deceased_ethnicity":
		return s.pick(ethnicities, uint(len(f.Name))), true
	case "religion":
		return s.pick(religions, 0), true
	case "birth_registration_place", "hometown", "husband_residence", "wife_residence":
		return s.oldPlace(uint(len(f.Name))), true
	case "birth_place":
		if code == "civil.birth" {
			return s.pick(hospitals, 1) + ", thành phố Biên Hòa, tỉnh Đồng Nai", true
		}
		return "Thành phố Biên Hòa, tỉnh Đồng Nai", true
	case "permanent_address", "residence", "last_residence":
		return s.address(0), true
	case "permanent_street", "current_street":
		return s.street(0), true
	case "employer_address", "work_location":
		return "KCN Amata, phường Long Bình, tỉnh Đồng Nai", true
	case "commune", "permanent_commune", "current_commune":
		if ev.Year() < 2025 {
			return "Phường " + s.pick(oldWards, 0), true
		}
		return "Phường " + s.ward(0), true
	case "district", "permanent_district", "current_district":
		if ev.Year() < 2025 {
			return "Thành phố Biên Hòa", true
		}
		return nil, false // districts were abolished on 1 July 2025
	case "province", "permanent_province", "current_province":
		return "Đồng Nai", true
	case "card_issued_on", "registered_on", "issued_on", "visit_date", "administered_on", "prescribed_on",
		"assessed_on", "decided_on", "death_date", "start_date":
		return ymd(ev), true
	case "card_issued_by":
		return "Bộ Công an", true
	case "registration_number":
		return fmt.Sprint(10 + s.n*37%900), true
	case "registration_book":
		return fmt.Sprintf("01/%d", ev.Year()), true
	case "registration_office":
		return s.office(0), true
	case "declarant_name":
		return s.relative(3, !s.female), true
	case "father_name":
		return s.relative(1, false), true
	case "mother_name":
		return s.relative(2, true), true
	case "spouse_name":
		return s.relative(4, !s.female), true
	case "father_birth_year":
		return float64(p.BirthDate.Year() - 24 - int(s.n%9)), true
	case "mother_birth_year":
		return float64(p.BirthDate.Year() - 21 - int(s.n%7)), true
	case "certificate_number":
		return fmt.Sprintf("%d/%d", 100+s.n*53%9000, ev.Year()), true
	case "purpose":
		return s.pick([]string{"Bổ sung hồ sơ xin việc", "Bổ sung hồ sơ vay vốn", "Đăng ký kết hôn", "Hồ sơ đi làm việc ở nước ngoài"}, 2), true
	case "social_insurance_number":
		return fmt.Sprintf("75%08d", (s.n*104729+5)%100_000_000), true
	case "facility", "primary_care_facility":
		return s.pick(hospitals, 0), true
	case "facility_code", "primary_care_facility_code":
		return fmt.Sprintf("750%02d", 1+s.n%40), true
	case "department":
		return s.pick([]string{"Khoa Khám bệnh", "Khoa Nội tổng hợp", "Khoa Ngoại", "Khoa Y học cổ truyền"}, 0), true
	case "physician", "prescriber":
		return "BS. " + s.relative(5, s.n%3 == 0), true
	case "diagnosis":
		return s.diag()[0], true
	case "icd10_codes":
		return []any{s.diag()[1]}, true
	case "follow_up_date":
		return ymd(ev.AddDate(0, 0, 7)), true
	case "manufacturer":
		return vaccines[s.n%uint(len(vaccines))][2], true
	case "school_year":
		y := p.BirthDate.Year() + 6 + s.grade()
		return fmt.Sprintf("%d-%d", y-1, y), true
	case "grade":
		return float64(s.grade()), true
	case "subject_scores":
		return s.scores(6 + int(s.n%3)), true
	case "serial_number":
		return fmt.Sprintf("%s %06d", strings.ToUpper(code[strings.IndexByte(code, '.')+1:][:2]), s.n*7717%1_000_000), true
	case "register_number":
		return fmt.Sprintf("%d/%d", 1+s.n*31%5000, ev.Year()), true
	case "employer":
		return s.pick(employers, 0), true
	case "position":
		return s.pick(positions, 0), true
	case "months":
		if code == "labour.contribution" {
			return 12.0, true
		}
		return float64(3 + s.n%10), true
	case "province_code":
		return "75", true
	}
	// A field the sampler does not know: a valid value of its kind.
	switch f.Kind {
	case wallet.KindDate:
		return ymd(ev), true
	case wallet.KindNumber:
		return float64(1 + s.n%100), true
	case wallet.KindBool:
		return s.n%2 == 0, true
	case wallet.KindList:
		return []any{f.Label.VI + " " + fmt.Sprint(s.n)}, true
	}
	return f.Label.VI + " " + fmt.Sprint(s.n), true
}

func (s *sampler) grade() int { return 6 + int(s.n%7) }

// Ranking is the academic rating a year's average earns (học lực, as the
// transcripts of Thông tư 58/2011 rate it): Giỏi from 8.0, Khá from 6.5,
// Trung bình from 5.0, Yếu below.
func Ranking(gpa any) string {
	g, _ := gpa.(float64)
	switch {
	case g >= 8:
		return "Giỏi"
	case g >= 6.5:
		return "Khá"
	case g >= 5:
		return "Trung bình"
	}
	return "Yếu"
}

// special handles the claims that depend on the type or on other claims.
// A nil value with true leaves the claim out; false falls through.
func (s *sampler) special(f wallet.Field, claims wallet.Claims) (any, bool) {
	ev, p := s.event, s.p
	switch s.t.Code + "." + f.Name {
	// identity
	case "identity.citizen.card_number":
		return p.CitizenID, true
	case "identity.citizen.card_expires_on":
		if d, ok := s.milestone(ev); ok {
			return ymd(d), true
		}
		return nil, true
	case LicenceType + ".licence_number":
		return fmt.Sprintf("75%010d", (s.n*2654435761+17)%10_000_000_000), true
	case LicenceType + ".class":
		return s.licence().class, true
	case LicenceType + ".first_issued_on":
		return ymd(s.licence().passed), true
	case LicenceType + ".expires_on":
		if y := LicenceTerm(s.licence().class); y > 0 {
			return ymd(ev.AddDate(y, 0, 0)), true
		}
		return nil, true // a licence without a term
	case LicenceType + ".issued_by":
		return LicenceIssuer(ev), true
	case "identity.residence.address":
		return s.street(0), true
	case "identity.residence.expires_on":
		if claims["residence_kind"] == "temporary" {
			return ymd(ev.AddDate(2, 0, 0)), true
		}
		return nil, true
	case "identity.residence.household_head":
		if s.n%3 == 0 {
			return p.FullName, true
		}
		return s.relative(4, !s.female), true
	case "identity.residence.relation_to_head":
		if s.n%3 == 0 {
			return "Chủ hộ", true
		}
		if s.female {
			return "Vợ", true
		}
		return "Chồng", true
	// civil status
	case "civil.birth.registered_on":
		return ymd(p.BirthDate.AddDate(0, 0, 5+int(s.n%25))), true
	case "civil.birth.registration_book":
		return fmt.Sprintf("01/%d", p.BirthDate.Year()), true
	case "civil.birth.registration_office":
		return "UBND " + strings.ToLower(s.oldPlace(0)[:1]) + s.oldPlace(0)[1:], true
	case "civil.birth.declarant_name":
		return s.relative(1, false), true
	case "civil.marriage.husband_name", "civil.marriage.wife_name":
		if (f.Name == "wife_name") == s.female {
			return p.FullName, true
		}
		return s.relative(4, f.Name == "wife_name"), true
	case "civil.marriage.husband_birth_date", "civil.marriage.wife_birth_date":
		if (f.Name == "wife_birth_date") == s.female {
			return ymd(p.BirthDate), true
		}
		return ymd(s.spouseBirth()), true
	case "civil.marriage.husband_citizen_id", "civil.marriage.wife_citizen_id":
		if (f.Name == "wife_citizen_id") == s.female {
			return p.CitizenID, true
		}
		return s.relID(s.spouseBirth(), !s.female, 4), true
	case "civil.death.deceased_name":
		return s.relative(1, false), true
	case "civil.death.deceased_birth_date":
		return ymd(s.fatherBirth()), true
	case "civil.death.deceased_sex":
		return "male", true
	case "civil.death.deceased_citizen_id":
		return s.relID(s.fatherBirth(), false, 1), true
	case "civil.death.death_place":
		return s.pick(append([]string{"Tại nhà riêng"}, hospitals...), 3), true
	case "civil.death.cause_of_death":
		return s.pick([]string{"Nhồi máu cơ tim cấp", "Tai biến mạch máu não", "Ung thư phổi", "Suy tim", "Tuổi già"}, 0), true
	case "civil.death.declarant_name":
		return p.FullName, true
	case "civil.death.declarant_relation":
		return "Con", true
	case "civil.marital_status.status_details":
		return s.maritalDetails(claims), true
	case "civil.marital_status.valid_until":
		return ymd(ev.AddDate(0, 6, 0)), true
	case "civil.marital_status.registration_number":
		return fmt.Sprintf("%d/XNHN", 10+s.n*41%900), true
	// justice
	case "justice.criminal_record.certificate_number":
		return fmt.Sprintf("%d/STP-LLTP", 100+s.n*53%9000), true
	case "justice.criminal_record.has_conviction":
		return s.n%7 == 3, true
	case "justice.criminal_record.convictions":
		if claims["has_conviction"] == true {
			return fmt.Sprintf("Bản án số %d/%d/HS-ST ngày %s của Tòa án nhân dân thành phố Biên Hòa: %d tháng tù về tội trộm cắp tài sản (Điều 173 Bộ luật Hình sự); đã chấp hành xong hình phạt, chưa được xóa án tích",
				10+s.n%90, ev.Year()-3, ev.AddDate(-3, 0, 0).Format("02/01/2006"), 6+s.n%18), true
		}
		return "Không có án tích", true
	case "justice.criminal_record.position_ban":
		return "Không bị cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp, hợp tác xã", true
	case "justice.criminal_record.issued_by":
		return "Sở Tư pháp tỉnh Đồng Nai", true
	// health
	case "health.insurance_card.card_number":
		group := s.insuranceGroup()
		return fmt.Sprintf("%s%d75%s", group, s.benefitLevel(group), fmt.Sprintf("75%08d", (s.n*104729+5)%100_000_000)), true
	case "health.insurance_card.address":
		return "Phường " + s.ward(0) + ", tỉnh Đồng Nai", true
	case "health.insurance_card.beneficiary_group":
		return s.insuranceGroup(), true
	case "health.insurance_card.benefit_level":
		return float64(s.benefitLevel(s.insuranceGroup())), true
	case "health.insurance_card.valid_from":
		return ymd(day(ev.Year(), 1, 1)), true
	case "health.insurance_card.valid_to":
		return ymd(day(ev.Year(), 12, 31)), true
	case "health.insurance_card.five_years_from":
		return ymd(day(ev.Year()+1+int(s.n%4), time.Month(1+s.n%12), 1)), true
	case "health.checkup.reason":
		return s.pick([]string{"Ho, sốt 3 ngày", "Đau đầu, chóng mặt", "Khám sức khỏe định kỳ", "Đau bụng vùng thượng vị", "Mệt mỏi, khát nước nhiều"}, 0), true
	case "health.checkup.height_cm":
		return float64(148 + s.n%35), true
	case "health.checkup.weight_kg":
		return float64(42 + s.n%40), true
	case "health.checkup.blood_pressure":
		return fmt.Sprintf("%d/%d", 105+s.n%40, 65+s.n%25), true
	case "health.checkup.conclusion":
		if claims["visit_kind"] == "inpatient" {
			return "Ra viện, bệnh ổn định; tiếp tục điều trị ngoại trú", true
		}
		return "Điều trị ngoại trú, tái khám sau 7 ngày", true
	case "health.checkup.discharge_date":
		if claims["visit_kind"] == "inpatient" {
			return ymd(ev.AddDate(0, 0, 3+int(s.n%6))), true
		}
		return nil, true
	case "health.immunization.vaccine":
		return vaccines[s.n%uint(len(vaccines))][0], true
	case "health.immunization.disease":
		return vaccines[s.n%uint(len(vaccines))][1], true
	case "health.immunization.dose_number":
		return float64(1 + s.n%3), true
	case "health.immunization.facility":
		return s.pick([]string{"Trung tâm Kiểm soát bệnh tật tỉnh Đồng Nai", "Trạm Y tế phường " + s.ward(1), "Hệ thống tiêm chủng VNVC Biên Hòa"}, 0), true
	case "health.immunization.lot_number":
		return fmt.Sprintf("L%05d", s.n*7919%100_000), true
	case "health.immunization.next_dose_on":
		return ymd(ev.AddDate(0, 1, 0)), true
	case "health.immunization.reaction":
		return "Không có phản ứng bất thường", true
	case "health.prescription.prescription_code":
		return fmt.Sprintf("750%02d%07x-c", 1+s.n%40, s.n*2654435761%0xfffffff), true
	case "health.prescription.medicines":
		k := 2 + int(s.n%2)
		out := make([]any, k)
		for j := range k {
			out[j] = medicines[(s.n+uint(j)*2)%uint(len(medicines))]
		}
		return out, true
	case "health.prescription.days_supply":
		return float64(5 + s.n%26), true
	case "health.prescription.advice":
		return "Uống thuốc đúng giờ; tái khám ngay nếu triệu chứng nặng hơn.", true
	case "health.disability.certificate_number":
		return fmt.Sprintf("%d/GXNKT", 10+s.n*29%900), true
	case "health.disability.issued_by":
		return s.office(2), true
	// education
	case "education.transcript.school":
		if s.grade() <= 9 { // lớp 6-9: a lower secondary school
			return s.pick(lowerSecondary, 0) + ", tỉnh Đồng Nai", true
		}
		return s.pick(schools, 0) + ", tỉnh Đồng Nai", true
	case "education.transcript.class_name":
		return fmt.Sprintf("%dA%d", s.grade(), 1+s.n%8), true
	case "education.transcript.gpa":
		return float64(60+s.n%38) / 10, true
	case "education.transcript.conduct":
		return s.pick([]string{"Tốt", "Tốt", "Khá"}, 0), true
	case "education.transcript.ranking":
		return Ranking(claims["gpa"]), true
	case "education.transcript.title":
		if claims["ranking"] == "Giỏi" {
			return "Học sinh giỏi", true
		}
		return nil, true
	case "education.transcript.promoted":
		return true, true
	case "education.transcript.homeroom_teacher":
		return s.relative(6, true), true
	case "education.diploma.kind":
		return s.pick([]string{"Bằng cử nhân", "Bằng kỹ sư", "Bằng tốt nghiệp cao đẳng", "Bằng thạc sĩ"}, 0), true
	case "education.diploma.major":
		return s.pick(majors, 0), true
	case "education.diploma.institution":
		return s.pick(institutions, 0), true
	case "education.diploma.graduation_year":
		return float64(p.BirthDate.Year() + 22 + int(s.n%3)), true
	case "education.diploma.classification":
		return s.pick([]string{"Xuất sắc", "Giỏi", "Khá", "Khá", "Trung bình"}, 0), true
	case "education.diploma.study_mode":
		return s.pick([]string{"Chính quy", "Chính quy", "Vừa làm vừa học"}, 0), true
	case "education.diploma.issued_on":
		return ymd(day(p.BirthDate.Year()+22+int(s.n%3), 9, 15)), true
	case "education.certificate.name":
		return s.pick([]string{"Chứng chỉ ứng dụng công nghệ thông tin cơ bản", "Chứng chỉ tiếng Anh bậc 3 (B1) theo Khung năng lực ngoại ngữ 6 bậc", "Chứng chỉ nghiệp vụ sư phạm", "Chứng chỉ kế toán trưởng"}, 0), true
	case "education.certificate.level":
		return s.pick([]string{"Cơ bản", "Bậc 3/6", "Nâng cao"}, 0), true
	case "education.certificate.result":
		return "Đạt (" + s.score(0) + "/10)", true
	case "education.certificate.issuing_body":
		return "Trung tâm Ngoại ngữ – Tin học, " + s.pick(institutions, 1), true
	case "education.certificate.expires_on":
		if s.n%2 == 0 {
			return ymd(ev.AddDate(2, 0, 0)), true
		}
		return nil, true
	case "education.exam_result.candidate_number":
		return fmt.Sprintf("48%06d", s.n*4391%1_000_000), true
	case "education.exam_result.exam_year":
		return float64(p.BirthDate.Year() + 18), true
	case "education.exam_result.exam_council":
		return "Sở Giáo dục và Đào tạo Đồng Nai", true
	case "education.exam_result.total_score":
		return float64(30+s.n%25) + 0.25*float64(s.n%4), true
	case "education.exam_result.graduated":
		return true, true
	// labour and social insurance
	case "labour.social_insurance_book.joined_on":
		return ymd(s.joined()), true
	case "labour.social_insurance_book.issued_on":
		return ymd(s.joined().AddDate(0, 1, 14)), true
	case "labour.social_insurance_book.issuing_office":
		return "Bảo hiểm xã hội tỉnh Đồng Nai", true
	case "labour.social_insurance_book.total_contribution_months":
		return float64(12 + s.n%180), true
	case "labour.social_insurance_book.unemployment_months":
		return float64(12 + s.n%150), true
	case "labour.employment.employer_tax_code":
		return fmt.Sprintf("36%08d", s.n*15485863%100_000_000), true
	case "labour.employment.occupation":
		return s.pick([]string{"Kế toán", "Công nhân", "Kỹ thuật viên", "Nhân viên văn phòng"}, 0), true
	case "labour.employment.contract_number":
		return fmt.Sprintf("HĐLĐ-%d/%04d", ev.Year(), s.n*97%10_000), true
	case "labour.employment.end_date":
		if claims["contract_type"] == "fixed_term" {
			return ymd(ev.AddDate(1+int(s.n%3), 0, -1)), true
		}
		return nil, true
	case "labour.employment.monthly_salary":
		return float64(5_500_000 + 500_000*(s.n%30)), true
	case "labour.employment.termination_reason":
		return nil, true
	case "labour.contribution.period_from":
		return ymd(day(ev.Year(), 1, 1)), true
	case "labour.contribution.period_to":
		return ymd(day(ev.Year(), 12, 31)), true
	case "labour.contribution.salary_base":
		return float64(4_960_000 + 200_000*(s.n%40)), true
	case "labour.contribution.contribution_rate":
		return 32.0, true
	case "labour.contribution.schemes":
		return []any{"BHXH bắt buộc", "BHYT", "BHTN", "BHTNLĐ-BNN"}, true
	case "labour.allowance.decision_number":
		return fmt.Sprintf("%d/QĐ-BHXH", 100+s.n*61%9000), true
	case "labour.allowance.deciding_authority":
		return "Bảo hiểm xã hội tỉnh Đồng Nai", true
	case "labour.allowance.amount":
		return float64(1_500_000 + 250_000*(s.n%60)), true
	case "labour.allowance.monthly":
		k := claims["kind"]
		return k != "lump_sum" && k != "maternity", true
	case "labour.allowance.starts_on":
		return ymd(ev.AddDate(0, 0, 15)), true
	case "labour.allowance.ends_on":
		if k := claims["kind"]; k == "pension" || k == "social_assistance" {
			return nil, true
		}
		return ymd(ev.AddDate(0, 3+int(s.n%6), 14)), true
	case "labour.allowance.payment_place":
		return s.pick([]string{"Bưu điện phường " + s.ward(0), "Tài khoản cá nhân tại ngân hàng"}, 0), true
	}
	return nil, false
}

func (s *sampler) spouseBirth() time.Time {
	y := 2
	if s.female {
		y = -3
	}
	return s.p.BirthDate.AddDate(y, int(s.n%11), int(s.n%17))
}

func (s *sampler) fatherBirth() time.Time {
	return day(s.p.BirthDate.Year()-24-int(s.n%9), time.Month(1+s.n*3%12), 1+int(s.n*7%28))
}

func (s *sampler) joined() time.Time {
	j := s.p.BirthDate.AddDate(19+int(s.n%6), 0, 0)
	if j.After(s.event) {
		j = s.event
	}
	return day(j.Year(), j.Month(), 1)
}

// insuranceGroup is the beneficiary group code of the card: pensioners
// (HT) from 60, otherwise employees (DN), civil servants (HC) or
// household members (GD).
func (s *sampler) insuranceGroup() string {
	if !s.p.BirthDate.AddDate(60, 0, 0).After(s.event) {
		return "HT"
	}
	return []string{"DN", "HC", "GD"}[s.person%3] // the citizen's, whatever the year
}

// benefitLevel is the level the law gives the group (the level codes of
// Quyết định 1351/QĐ-BHXH): pensioners 3 (95 %), the others here 4 (80 %).
func (s *sampler) benefitLevel(group string) int {
	if group == "HT" {
		return 3
	}
	return 4
}

func (s *sampler) maritalDetails(claims wallet.Claims) string {
	spouse := s.relative(4, !s.female)
	switch claims["marital_status"] {
	case "married":
		return "Đang có vợ/chồng là " + spouse
	case "divorced":
		return "Đã ly hôn với " + spouse + " theo bản án của Tòa án nhân dân thành phố Biên Hòa"
	case "widowed":
		return "Vợ/chồng là " + spouse + " đã chết"
	}
	return "Chưa đăng ký kết hôn với ai"
}
