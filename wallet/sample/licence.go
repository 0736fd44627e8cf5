package sample

import "time"

// Driving licences (giấy phép lái xe) in the demo follow Luật Trật tự,
// an toàn giao thông đường bộ 2024 (in force 1 January 2025): the classes
// of art. 57(1), the terms of art. 57(5), the minimum ages of art. 59(1),
// and, from 1 March 2025, the provincial police as the issuing authority
// (Phòng Cảnh sát giao thông, Công an tỉnh) in place of the Department of
// Transport. A card issued before then still carries the Department's
// name and, for a large motorcycle or a car, the class of the 2008 law
// (A2, B2).

// LicenceType is the record type of a driving licence.
const LicenceType = "identity.driving_licence"

// PoliceLicensing is the day the provincial police took driver testing
// and licensing over from the Department of Transport.
var PoliceLicensing = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)

// LicenceMinAge is the age from which a licence of class is issued
// (art. 59(1)): 18 for A1, A, B1, B and C1 (and the former A2 and B2), 21
// for C and BE, 24 for D1, D2, C1E and CE, 27 for D, D1E, D2E and DE. It
// is 0 for a class the law does not name.
func LicenceMinAge(class string) int {
	switch class {
	case "A1", "A", "B1", "B", "C1", "A2", "B2":
		return 18
	case "C", "BE":
		return 21
	case "D1", "D2", "C1E", "CE":
		return 24
	case "D", "D1E", "D2E", "DE":
		return 27
	}
	return 0
}

// LicenceTerm is how many years a licence of class is valid from its
// date of issue (art. 57(5); the former classes as Thông tư 12/2017/TT-BGTVT
// had them): 0 (no term) for A1, A, B1 and A2, 10 years for B, C1 and B2,
// 5 years for the others.
func LicenceTerm(class string) int {
	switch class {
	case "A1", "A", "B1", "A2":
		return 0
	case "B", "C1", "B2":
		return 10
	}
	return 5
}

// LicenceIssuer is the authority a Đồng Nai licence issued on that day
// names.
func LicenceIssuer(issued time.Time) string {
	if issued.Before(PoliceLicensing) {
		return "Sở Giao thông vận tải tỉnh Đồng Nai"
	}
	return "Phòng Cảnh sát giao thông, Công an tỉnh Đồng Nai"
}

// licence is the card a sampler makes: its class, the day its holder
// passed the test (Ngày trúng tuyển) and the day this card was issued (a
// first card some days after the test; a renewed or exchanged one years
// later).
type licence struct {
	class          string
	passed, issued time.Time
}

// professional are the classes for lorries, buses and trailers.
var professional = []string{"C1", "C", "D1", "D2", "D", "BE", "C1E", "CE", "D1E", "D2E", "DE"}

// licence makes the sampler's licence once.
func (s *sampler) licence() licence {
	if s.lic != nil {
		return *s.lic
	}
	class := s.class
	if class == "" {
		switch k := s.n % 20; {
		case k < 10:
			class = "A1"
		case k < 14:
			class = "B"
		case k < 16:
			class = "A"
		case k == 16:
			class = "B1"
		default:
			class = professional[s.n/20%uint(len(professional))]
			if years(s.p.BirthDate, s.event) > 50 {
				class = "B" // professional driving has an age ceiling (art. 59(1)(e))
			}
		}
	}
	min := s.p.BirthDate.AddDate(LicenceMinAge(class), 0, 0)
	issued := s.event
	if issued.Before(min) {
		issued = min.AddDate(0, 1+int(s.n%10), int(s.n%20))
	}
	if issued.Before(PoliceLicensing) {
		switch class {
		case "A1": // the same class before and after 2025
		case "A":
			class = "A2"
		case "B":
			class = "B2"
		default: // a class of the 2024 law: issued by the police
			issued = day(2025, time.Month(3+s.n%9), 1+int(s.n%28))
			if issued.Before(min) {
				issued = min.AddDate(0, 1+int(s.n%10), int(s.n%20))
			}
		}
	}
	passed := issued.AddDate(0, 0, -10-int(s.n%20)) // a first card
	if s.n%3 != 0 {
		passed = issued.AddDate(-1-int(s.n%9), -int(s.n%7), 0) // renewed or exchanged
	}
	if earliest := s.p.BirthDate.AddDate(LicenceMinAge(class), 0, 0); passed.Before(earliest) {
		passed = earliest
	}
	s.lic = &licence{class: class, passed: passed, issued: issued}
	return *s.lic
}

// years is the age in whole years at t of someone born on birth.
func years(birth, t time.Time) int {
	y := t.Year() - birth.Year()
	if t.Month() < birth.Month() || t.Month() == birth.Month() && t.Day() < birth.Day() {
		y--
	}
	return y
}
