// Package demo generates the demo province the reference warehouse serves
// when it has no real data: citizens of Đồng Nai with the records a real
// life leaves in the provincial warehouse, each from the agency that
// issues it, addressed in real districts, communes and the wards formed
// on 1 July 2025.
//
// Everything is derived from (seed, citizen index), so the same seed gives
// the same province; the warehouse loads it once, through the bulk path
// of ingestion (warehouse.Server.Load), and from then on serves what it
// stored, never the generator. The values themselves come
// from wallet/sample (names, numbers, facilities, diagnoses ...); this
// package decides which records a person has, makes them agree with one
// another (one home address, one social-insurance number), and names the
// issuers.
package demo

import (
	"crypto/sha256"
	"encoding/base32"
	"fmt"
	"hash/fnv"
	"slices"
	"strings"
	"time"

	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// Generator names this generator and its rules; change it whenever a
// change to this package gives a citizen different records, so a
// warehouse never mixes stored changes with a different base feed.
const Generator = "demo-dongnai/4"

// idSpace keys the record ids (recordID): the Generator they were first
// made under, kept when the records' contents change (demo-dongnai/4
// split the ID card's addresses), so ids in the docs' examples stay.
const idSpace = "demo-dongnai/3"

// MaxCitizens is the largest province the generator makes (citizen
// numbers stay distinct up to it).
const MaxCitizens = 1_000_000

// Province is a demo province of N citizens derived from Seed. It
// implements warehouse.Dataset: the loader that fills a new warehouse.
type Province struct {
	N    int
	Seed int64
}

// New returns a province of n citizens (1 to MaxCitizens) from seed.
func New(n int, seed int64) (Province, error) {
	if n < 1 || n > MaxCitizens {
		return Province{}, fmt.Errorf("demo: citizens must be 1 to %d, not %d", MaxCitizens, n)
	}
	return Province{N: n, Seed: seed}, nil
}

// reference is the date the demo's ages and histories are counted to.
var reference = time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)

// reform is when Vietnam abolished districts and merged communes.
var reform = time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)

func (p Province) Province() string { return "vn.dongnai" }
func (p Province) Citizens() int    { return p.N }
func (p Province) Version() string  { return Generator }

// person maps citizen i to a wallet/sample person: a shift by the seed,
// one to one on 0..MaxCitizens-1, so different i have different numbers.
func (p Province) person(i int) int {
	shift := int((uint64(p.Seed) * 100_003) % MaxCitizens)
	return (i + shift) % MaxCitizens
}

// Profile returns citizen i.
func (p Province) Profile(i int) wallet.Profile {
	return sample.Profile(p.person(i))
}

// hash gives the citizen's life choices, independent of the sample values.
func (p Province) hash(i int) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d", p.Seed, i)
	return h.Sum64()
}

// Citizen returns citizen i and their records, every version in order.
func (p Province) Citizen(i int) (wallet.Profile, []wallet.Record) {
	j := p.person(i)
	prof := sample.Profile(j)
	h := p.hash(i)
	age := years(prof.BirthDate, reference)
	home := homeOf(h)
	l := &life{citizen: i, person: j, home: home, h: h}

	l.add("identity.citizen", 1)
	l.add("identity.residence", 1)
	l.add("civil.birth", 1)
	married := age >= 22 && h%3 != 0
	if married {
		l.add("civil.marriage", 1)
	} else if h%2 == 0 {
		l.add("civil.marital_status", 1)
	}
	if h%13 == 0 {
		l.add("civil.death", 1) // a parent's death the citizen registered
	}
	if h%3 == 1 {
		l.add("justice.criminal_record", 1)
	}
	l.licences(prof, p.licenceHash(i))
	l.add("health.insurance_card", 1)
	l.renewInsuranceCard()
	l.add("health.checkup", 1+int(h>>8%5))
	l.add("health.immunization", 1+int(h>>12%3))
	l.add("health.prescription", int(h>>16%4))
	if h%19 == 0 {
		l.add("health.disability", 1)
	}
	if prof.BirthDate.Year() >= 1985 {
		l.add("education.transcript", 1)
		if h>>20%2 == 0 {
			l.add("education.exam_result", 1)
		}
	}
	if h>>22%2 == 0 {
		l.add("education.diploma", 1)
	}
	if h>>24%3 == 0 {
		l.add("education.certificate", 1)
	}
	if age <= 62 && h>>26%5 != 4 {
		l.add("labour.social_insurance_book", 1)
		l.add("labour.employment", 1+int(h>>28%2))
		l.add("labour.contribution", 1+int(h>>30%3))
	}
	if h>>32%7 == 0 {
		l.add("labour.allowance", 1)
	}
	// Corrections and withdrawals: a move (the residence record gets a
	// new version) and a prescription the hospital withdrew.
	if h>>34%10 == 0 {
		l.move()
	}
	if h>>38%29 == 0 {
		l.withdrawFirst("health.prescription")
	}
	return prof, l.recs
}

// life collects one citizen's records.
type life struct {
	citizen, person int
	home            place
	h               uint64
	recs            []wallet.Record
}

// recordID is the id of the k-th record of type code of a citizen: the
// type, then 16 base32 characters of a hash. It is stable (a demo loaded
// again has the same ids) and says nothing of who the citizen is or of
// their place in the demo (ids used to be "<type>-<citizen>-<k>": a
// counter that saw one knew the citizen's index).
func recordID(code string, citizen, k int) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s record id\x00%s\x00%d\x00%d", idSpace, code, citizen, k)))
	return code + "-" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:10]))
}

// add appends n records of type code.
func (l *life) add(code string, n int) {
	t, ok := wallet.LookupType(code)
	if !ok {
		panic("demo: unknown record type " + code) // the list above is static
	}
	salt := saltOf(t)
	for k := range n {
		// Each type and occurrence gets its own event (date, facility ...);
		// claims about the person stay the same (sample.Nth).
		r := sample.Nth(t, l.person, salt+k*64)
		r.ID = recordID(code, l.citizen, k)
		l.localise(&r, l.home)
		r.Issuer = issuerOf(r)
		l.recs = append(l.recs, r)
	}
}

// addedLater are the record types registered after the generator's first
// release, in the order they were added. saltOf gives them the salts
// after the first set's, so adding a type leaves every other record of
// every citizen as it was.
var addedLater = []string{sample.LicenceType}

// saltOf is the salt of type t's events: its place in wallet.Types()
// among the first set, then the types added later.
func saltOf(t *wallet.RecordType) int {
	if k := slices.Index(addedLater, t.Code); k >= 0 {
		return len(wallet.Types()) - len(addedLater) + k + 1
	}
	salt := 1
	for _, u := range wallet.Types() {
		if u == t {
			return salt
		}
		if !slices.Contains(addedLater, u.Code) {
			salt++
		}
	}
	return salt
}

// licenceHash gives the citizen's driving, independent of the other
// choices (which use the bits of hash).
func (p Province) licenceHash(i int) uint64 {
	h := fnv.New64a()
	fmt.Fprintf(h, "%d/%d/licence", p.Seed, i)
	return h.Sum64()
}

// licences issues the citizen's driving licences (one record per card):
// about two in three adults up to 70 ride a motorcycle on an A1 licence
// (A for a few), fewer of the older; one in five from 20 to 65 drives a
// car (B); a few men between 24 and 55 drive lorries or coaches for a
// living, on a class the law lets them hold at their age. A card the
// sampler would date after the demo's reference day is not issued.
func (l *life) licences(prof wallet.Profile, h uint64) {
	age := years(prof.BirthDate, reference)
	if age < 18 {
		return
	}
	female := l.person%2 == 1 // wallet/sample: odd persons are women
	var classes []string
	switch ride := h % 100; {
	case age <= 70 && ride < 68, age > 70 && ride < 30:
		if h>>8%12 == 0 {
			classes = append(classes, "A")
		} else {
			classes = append(classes, "A1")
		}
	}
	if age >= 20 && age <= 65 && h>>16%5 == 0 {
		classes = append(classes, "B")
	}
	if !female && age >= 24 && age <= 55 && h>>24%25 == 0 {
		pro := []string{"C1", "C", "D2", "CE", "D", "C1E"}
		c := pro[h>>32%uint64(len(pro))]
		for sample.LicenceMinAge(c) > age-1 {
			c = "C1" // a class young drivers may hold
		}
		classes = append(classes, c)
	}
	t, _ := wallet.LookupType(sample.LicenceType)
	for k, class := range classes {
		r := sample.NthLicence(l.person, saltOf(t)+k*64, class)
		if r.IssuedAt.After(reference) {
			continue
		}
		r.ID = recordID(sample.LicenceType, l.citizen, k)
		l.localise(&r, l.home)
		r.Issuer = issuerOf(r)
		l.recs = append(l.recs, r)
	}
}

// renewInsuranceCard makes the health insurance card the one for the
// reference year: cards are renewed every year, and the warehouse holds
// the card in force (issued in the last days of the year before).
func (l *life) renewInsuranceCard() {
	r := &l.recs[len(l.recs)-1]
	y := reference.Year()
	r.IssuedAt = time.Date(y-1, 12, 10+int(l.h%20), 8+int(l.h%9), int(l.h%60), 0, 0, time.UTC)
	r.ValidFrom = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	r.ValidUntil = time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
	r.Claims["valid_from"] = r.ValidFrom.Format(wallet.DateLayout)
	r.Claims["valid_to"] = r.ValidUntil.Format(wallet.DateLayout)
	l.localise(r, l.home)
}

// localise writes the citizen's home into every address claim of r, in
// the form in use when r was issued (district and commune before the
// reform, the new commune or ward after it).
func (l *life) localise(r *wallet.Record, home place) {
	street, commune, district, province := home.parts(r.IssuedAt)
	t, _ := wallet.LookupType(r.Type)
	// set writes the place into the address object's fields, named
	// <street>, <prefix>commune, <prefix>district, <prefix>province.
	set := func(streetField, prefix string) {
		if _, ok := r.Claims[streetField]; !ok {
			return
		}
		r.Claims[streetField], r.Claims[prefix+"commune"], r.Claims[prefix+"province"] = street, commune, province
		delete(r.Claims, prefix+"district")
		if _, ok := t.Field(prefix + "district"); ok && district != "" {
			r.Claims[prefix+"district"] = district
		}
	}
	switch r.Type {
	case "identity.residence":
		set("address", "")
	case "identity.citizen":
		set("permanent_street", "permanent_")
		set("current_street", "current_")
	default:
		for _, name := range []string{"permanent_address", "residence", "address"} {
			if _, ok := r.Claims[name]; ok {
				r.Claims[name] = home.address(r.IssuedAt)
			}
		}
	}
}

// move adds version 2 of the residence record: the citizen registered a
// new permanent address about a year after the first one.
func (l *life) move() {
	for _, r := range l.recs {
		if r.Type != "identity.residence" {
			continue
		}
		v2 := r
		v2.Claims = cloneClaims(r.Claims)
		v2.Version = 2
		v2.IssuedAt = r.IssuedAt.AddDate(1, 0, 3)
		if v2.IssuedAt.After(reference) {
			v2.IssuedAt = reference.Add(-72 * time.Hour)
		}
		v2.Claims["registered_on"] = v2.IssuedAt.Format(wallet.DateLayout)
		v2.Claims["residence_kind"] = "permanent"
		delete(v2.Claims, "expires_on")
		l.localise(&v2, homeOf(l.h>>40+1))
		l.recs = append(l.recs, v2)
		return
	}
}

// withdrawFirst adds a withdrawal version of the first record of type
// code; like warehouse.Server.Withdraw, it keeps the claims so the citizen
// still sees what was withdrawn.
func (l *life) withdrawFirst(code string) {
	for _, r := range l.recs {
		if r.Type != code || r.Version != 1 {
			continue
		}
		w := r
		w.Version = 2
		w.Status = wallet.StatusWithdrawn
		w.IssuedAt = r.IssuedAt.Add(26 * time.Hour)
		l.recs = append(l.recs, w)
		return
	}
}

func cloneClaims(c wallet.Claims) wallet.Claims {
	out := make(wallet.Claims, len(c))
	for k, v := range c {
		out[k] = v
	}
	return out
}

// years is the age in whole years at t.
func years(birth, t time.Time) int {
	y := t.Year() - birth.Year()
	if t.YearDay() < birth.YearDay() {
		y--
	}
	return y
}
