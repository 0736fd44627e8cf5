package wallet

import "strings"

// centralCities are the provincial-level units that are cities
// (thành phố trực thuộc trung ương) since 12 June 2025; every other is a
// province (tỉnh).
var centralCities = map[string]bool{
	"Hà Nội": true, "Huế": true, "Hải Phòng": true, "Đà Nẵng": true, "Hồ Chí Minh": true, "Cần Thơ": true,
}

// AddressLine writes a place of residence on one line, as documents print
// it: "Số 27, đường Nguyễn Ái Quốc, khu phố 3, phường Trấn Biên, tỉnh
// Đồng Nai". street is the house, street or hamlet; commune and district
// carry their unit word ("Phường Trấn Biên", "Thành phố Biên Hòa"),
// which the line writes in lower case; province is a name ("Đồng Nai",
// the registry's province fields) or carries its unit word. Empty parts
// are left out, so the two-level addresses since 1 July 2025 have no
// district.
func AddressLine(street, commune, district, province string) string {
	var parts []string
	for _, p := range []string{street, lowerUnit(commune), lowerUnit(district), provinceUnit(province)} {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ", ")
}

// unitWords are the administrative unit words an address writes in
// lower case after its first part.
var unitWords = []string{"Phường", "Xã", "Đặc khu", "Thị trấn", "Thành phố", "Thị xã", "Quận", "Huyện", "Tỉnh"}

// lowerUnit lowercases a unit's leading word ("Phường Tân Mai" →
// "phường Tân Mai").
func lowerUnit(unit string) string {
	unit = strings.TrimSpace(unit)
	for _, w := range unitWords {
		if rest, ok := strings.CutPrefix(unit, w+" "); ok {
			return strings.ToLower(w) + " " + rest
		}
	}
	return unit
}

// provinceUnit is the province with its unit word: "tỉnh Đồng Nai",
// "thành phố Hồ Chí Minh".
func provinceUnit(p string) string {
	p = strings.TrimSpace(p)
	switch {
	case p == "" || lowerUnit(p) != p:
		return lowerUnit(p)
	case centralCities[p]:
		return "thành phố " + p
	}
	return "tỉnh " + p
}
