package trust

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Office kinds: the fixed vocabulary of List.Offices. A procedure names
// the kinds of office that receive it; wallets offer those offices.
const (
	// KindCommune: a commune or ward People's Committee (UBND xã/phường),
	// which receives civil-status and social-assistance procedures.
	KindCommune = "commune"
	// KindCommunePolice: a commune or ward police station (Công an
	// xã/phường), which receives residence procedures.
	KindCommunePolice = "commune_police"
	// KindSchool: a school (trường mầm non, tiểu học, THCS, THPT ...).
	KindSchool = "school"
	// KindEmploymentService: the provincial employment service centre
	// (Trung tâm Dịch vụ việc làm): unemployment benefit, job seeking.
	KindEmploymentService = "employment_service"
	// KindJustice: the Department of Justice (Sở Tư pháp): criminal-record
	// certificates, civil status above the commune.
	KindJustice = "justice"
	// KindSocialInsurance: social insurance (BHXH) of the province or of
	// an area.
	KindSocialInsurance = "social_insurance"
	// KindLicensing: the authority for driving licences (Sở Xây dựng or
	// the provincial police).
	KindLicensing = "licensing"
	// KindHealthFacility: a hospital or health centre.
	KindHealthFacility = "health_facility"
	// KindEmployer: a registered employer.
	KindEmployer = "employer"
)

// officeKinds lists the kinds in the order OfficeKinds returns them.
var officeKinds = []string{
	KindCommune, KindCommunePolice, KindSchool, KindEmploymentService, KindJustice,
	KindSocialInsurance, KindLicensing, KindHealthFacility, KindEmployer,
}

// OfficeKinds returns every office kind (a new slice).
func OfficeKinds() []string { return slices.Clone(officeKinds) }

// ValidOfficeKind reports whether kind is one of the office kinds.
func ValidOfficeKind(kind string) bool { return slices.Contains(officeKinds, kind) }

// MaxOffices bounds List.Offices. The whole signed list must also fit in
// one JWS of keys.MaxJWSSize (64 KiB), which in practice holds about 400
// offices with names of ordinary length beside a province's issuers: a
// list over that is refused by Sign (keys.ErrTooLarge) even below
// MaxOffices.
const MaxOffices = 1000

// Office is a recipient of citizens' data that a wallet offers by name:
// a commune People's Committee, a school, an employer ... It signs
// nothing; an office may share its id with an issuer (a hospital is
// both), and a consent's audience is the office's ID.
type Office struct {
	ID   string `json:"id"`   // e.g. "vn.dongnai.ubnd.tran-bien"; the same alphabet as issuer ids
	Name Name   `json:"name"` // Vietnamese name required, e.g. "UBND phường Trấn Biên"
	Kind string `json:"kind"` // one of the Kind constants
}

// ValidateOffices checks offices as Validate does: at most MaxOffices,
// each with an id of 1 to MaxIDLen bytes of a-z, 0-9, '.', '-', '_',
// unique among the offices, a Vietnamese name (English optional, each at
// most MaxNameLen bytes) and a known kind. Errors wrap ErrInvalidList.
func ValidateOffices(offices []Office) error {
	bad := func(format string, a ...any) error {
		return fmt.Errorf("%w: %s", ErrInvalidList, fmt.Sprintf(format, a...))
	}
	if len(offices) > MaxOffices {
		return bad("%d offices, at most %d", len(offices), MaxOffices)
	}
	ids := make(map[string]bool, len(offices))
	for i, o := range offices {
		if !validID(o.ID) {
			return bad("office %d: id %q: 1 to %d bytes of a-z, 0-9, '.', '-', '_'", i+1, truncate(o.ID), MaxIDLen)
		}
		if ids[o.ID] {
			return bad("office %s listed twice", o.ID)
		}
		ids[o.ID] = true
		if o.Name.VI == "" || len(o.Name.VI) > MaxNameLen || len(o.Name.EN) > MaxNameLen {
			return bad("office %s: Vietnamese name required, names at most %d bytes", o.ID, MaxNameLen)
		}
		if !ValidOfficeKind(o.Kind) {
			return bad("office %s: unknown kind %q (one of %s)", o.ID, truncate(o.Kind), strings.Join(officeKinds, ", "))
		}
	}
	return nil
}

// Office returns the listed office with that id.
func (l *List) Office(id string) (*Office, bool) {
	for i := range l.Offices {
		if l.Offices[i].ID == id {
			return &l.Offices[i], true
		}
	}
	return nil, false
}

// OfficesOfKind returns the offices of any of kinds (every office when
// none is given), sorted by Vietnamese name in the order of the
// Vietnamese alphabet (a ă â b c d đ e ê …, tones after letters), ties
// kept in list order. The slice is new; the offices are copies.
func (l *List) OfficesOfKind(kinds ...string) []Office {
	var out []Office
	for _, o := range l.Offices {
		if len(kinds) == 0 || slices.Contains(kinds, o.Kind) {
			out = append(out, o)
		}
	}
	slices.SortStableFunc(out, func(a, b Office) int { return CompareVietnamese(a.Name.VI, b.Name.VI) })
	return out
}

// Name returns the display name of id: the office's, or else the
// issuer's, and whether either is listed. A counter titles a recipient
// or an issuer with it, never with the raw id.
func (l *List) Name(id string) (Name, bool) {
	if o, ok := l.Office(id); ok {
		return o.Name, true
	}
	if is, ok := l.Issuer(id); ok {
		return is.Name, true
	}
	return Name{}, false
}

// viVowels are the Vietnamese vowels, each followed by its toned forms
// (huyền, sắc, hỏi, ngã, nặng).
var viVowels = [...]string{
	"aàáảãạ", "ăằắẳẵặ", "âầấẩẫậ", "eèéẻẽẹ", "êềếểễệ", "iìíỉĩị",
	"oòóỏõọ", "ôồốổỗộ", "ơờớởỡợ", "uùúủũụ", "ưừứửữự", "yỳýỷỹỵ",
}

// viAlphabet is the order of letters: Vietnamese, with f, j, w, z of
// foreign words where the Latin alphabet has them.
const viAlphabet = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"

// viWeights maps a lowercase letter (toned or not) to its place in
// viAlphabet and its tone (0: none).
var viWeights = func() map[rune][2]int {
	m := map[rune][2]int{}
	for i, r := range []rune(viAlphabet) {
		m[r] = [2]int{i, 0}
	}
	for _, v := range viVowels {
		rs := []rune(v)
		base := m[rs[0]][0]
		for tone, r := range rs {
			m[r] = [2]int{base, tone}
		}
	}
	return m
}()

// CompareVietnamese orders two names as a Vietnamese directory does:
// letters by the Vietnamese alphabet ignoring case and tones, then by
// tones, then byte by byte. Digits, spaces and punctuation come before
// letters. It returns -1, 0 or +1. Names are taken as NFC (precomposed),
// as the trust list carries them.
func CompareVietnamese(a, b string) int {
	ka, ta := viKey(a)
	kb, tb := viKey(b)
	if c := slices.Compare(ka, kb); c != 0 {
		return c
	}
	if c := slices.Compare(ta, tb); c != 0 {
		return c
	}
	return cmp.Compare(a, b)
}

// viKey is the primary key (letters, other runes) and the tones of s.
func viKey(s string) (primary []int, tones []int) {
	const letters, others = 1 << 21, 1 << 22 // after every rune value
	for _, r := range s {
		lr := unicode.ToLower(r)
		if w, ok := viWeights[lr]; ok {
			primary = append(primary, letters+w[0])
			tones = append(tones, w[1])
			continue
		}
		if unicode.IsLetter(lr) {
			primary = append(primary, others+int(lr))
		} else {
			primary = append(primary, int(lr))
		}
		tones = append(tones, 0)
	}
	return primary, tones
}
