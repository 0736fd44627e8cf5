package demo

import (
	"slices"
	"strings"
	"unicode"

	"github.com/vnwallet/citizenwallet/crypto/trust"
)

// Ids of the demo's offices that issue nothing.
const (
	officeEmployment = "vn.dongnai.ttdvvl"    // Trung tâm Dịch vụ việc làm
	officeUBND       = "vn.dongnai.ubnd."     // + the commune or ward, folded
	officeCommPolice = "vn.dongnai.ca."       // + the commune or ward, folded
	officeSchool     = "vn.dongnai.school."   // + the school, folded
	officeEmployer   = "vn.dongnai.employer." // + the employer, folded
)

// schools are a few schools of the demo: two that exist in Biên Hòa, and
// two generic ones marked as samples.
var schools = []struct{ vi, en string }{
	{"Trường THPT Ngô Quyền", "Ngo Quyen High School"},
	{"Trường THPT chuyên Lương Thế Vinh", "Luong The Vinh High School for the Gifted"},
	{"Trường Tiểu học Trấn Biên (mẫu)", "Tran Bien Primary School (sample)"},
	{"Trường THCS Trị An (mẫu)", "Tri An Lower Secondary School (sample)"},
}

// employers are the demo's registered employers, all invented.
var employers = []struct{ slug, vi, en string }{
	{"mau-dong-nai", "Công ty TNHH Mẫu Đồng Nai (dữ liệu mẫu)", "Dong Nai Sample Co., Ltd. (sample data)"},
	{"mau-bien-hoa", "Công ty Cổ phần Mẫu Biên Hòa (dữ liệu mẫu)", "Bien Hoa Sample Joint Stock Company (sample data)"},
}

// Offices lists the demo province's offices: the People's Committee and
// the police of every commune and ward the demo's homes are in (as
// formed on 1 July 2025), the departments and the hospitals that receive
// citizens' data, a few schools and two sample employers. It implements
// warehouse.OfficeLister: Load puts them in the trust list.
func (p Province) Offices() []trust.Office {
	var out []trust.Office
	var seen []string
	for _, u := range units {
		if slices.Contains(seen, u.newUnit) {
			continue
		}
		seen = append(seen, u.newUnit)
		word, en, place := unitWords(u.newUnit)
		slug := foldID(place)
		out = append(out,
			trust.Office{ID: officeUBND + slug, Kind: trust.KindCommune,
				Name: trust.Name{VI: "UBND " + word + " " + place, EN: foldASCII(place) + " " + en + " People's Committee"}},
			trust.Office{ID: officeCommPolice + slug, Kind: trust.KindCommunePolice,
				Name: trust.Name{VI: "Công an " + word + " " + place, EN: foldASCII(place) + " " + en + " Police"}},
		)
	}
	out = append(out,
		trust.Office{ID: agencyJustice, Kind: trust.KindJustice, Name: trust.Name{VI: "Sở Tư pháp tỉnh Đồng Nai", EN: "Dong Nai Department of Justice"}},
		trust.Office{ID: agencyBHXH, Kind: trust.KindSocialInsurance, Name: trust.Name{VI: "Bảo hiểm xã hội tỉnh Đồng Nai", EN: "Dong Nai Social Security"}},
		trust.Office{ID: officeEmployment, Kind: trust.KindEmploymentService, Name: trust.Name{VI: "Trung tâm Dịch vụ việc làm tỉnh Đồng Nai", EN: "Dong Nai Employment Service Centre"}},
		// Driver testing and licensing: the provincial police since 1 March
		// 2025 (the Department of Construction, which took the Department
		// of Transport over, no longer licenses drivers).
		trust.Office{ID: agencyPolice, Kind: trust.KindLicensing, Name: trust.Name{VI: "Công an tỉnh Đồng Nai", EN: "Dong Nai Provincial Police"}},
	)
	for _, name := range hospitalOrder {
		out = append(out, trust.Office{ID: hospitals[name].id, Kind: trust.KindHealthFacility, Name: trust.Name{VI: name, EN: hospitals[name].en}})
	}
	for _, s := range schools {
		out = append(out, trust.Office{ID: officeSchool + foldID(strings.TrimPrefix(s.vi, "Trường ")), Kind: trust.KindSchool, Name: trust.Name{VI: s.vi, EN: s.en}})
	}
	for _, e := range employers {
		out = append(out, trust.Office{ID: officeEmployer + e.slug, Kind: trust.KindEmployer, Name: trust.Name{VI: e.vi, EN: e.en}})
	}
	return out
}

// unitWords splits "Phường Trấn Biên" into the unit word as written
// inside a name ("phường"), its English ("Ward") and the place ("Trấn
// Biên").
func unitWords(unit string) (word, en, place string) {
	if rest, ok := strings.CutPrefix(unit, "Phường "); ok {
		return "phường", "Ward", rest
	}
	if rest, ok := strings.CutPrefix(unit, "Xã "); ok {
		return "xã", "Commune", rest
	}
	return "", "", unit
}

// asciiOf maps the Vietnamese letters with diacritics to their ASCII
// letter; đ becomes d.
var asciiOf = func() map[rune]rune {
	m := map[rune]rune{'đ': 'd', 'Đ': 'D'}
	for base, forms := range map[rune]string{
		'a': "àáảãạăằắẳẵặâầấẩẫậ", 'e': "èéẻẽẹêềếểễệ", 'i': "ìíỉĩị",
		'o': "òóỏõọôồốổỗộơờớởỡợ", 'u': "ùúủũụưừứửữự", 'y': "ỳýỷỹỵ",
	} {
		for _, r := range forms {
			m[r] = base
			m[unicode.ToUpper(r)] = unicode.ToUpper(base)
		}
	}
	return m
}()

// foldASCII writes Vietnamese without diacritics: "Đắk Lua" → "Dak Lua".
func foldASCII(s string) string {
	return strings.Map(func(r rune) rune {
		if a, ok := asciiOf[r]; ok {
			return a
		}
		return r
	}, s)
}

// foldID makes an id segment of a name: ASCII, lowercase, words joined
// by '-': "Hố Nai 3" → "ho-nai-3", "THPT Ngô Quyền" → "thpt-ngo-quyen".
func foldID(s string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(foldASCII(s)) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			dash = false
			b.WriteRune(r)
			continue
		}
		dash = true
	}
	return b.String()
}
