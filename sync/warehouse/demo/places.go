package demo

import (
	"fmt"
	"time"

	"github.com/vnwallet/citizenwallet/sync/warehouse"
	"github.com/vnwallet/citizenwallet/wallet"
	"github.com/vnwallet/citizenwallet/wallet/sample"
)

// A place is a home: a street or hamlet in a commune of a district before
// 1 July 2025, and the commune or ward that commune became.
type place struct {
	street   string // "Số 12, đường Phạm Văn Thuận, khu phố 3" or "Ấp 2"
	commune  string // "Phường Tân Mai"
	district string // "Thành phố Biên Hòa"
	newUnit  string // "Phường Tam Hiệp"
}

// address is the place written as it was on a document issued at t.
func (p place) address(t time.Time) string {
	street, commune, district, province := p.parts(t)
	return wallet.AddressLine(street, commune, district, province)
}

// parts is the place as it was at t, in the registry's address fields:
// the street or hamlet, the commune, the district (before the reform
// only) and the province.
func (p place) parts(t time.Time) (street, commune, district, province string) {
	if t.Before(reform) {
		return p.street, p.commune, p.district, "Đồng Nai"
	}
	return p.street, p.newUnit, "", "Đồng Nai"
}

// units are communes of Đồng Nai before the reform and the commune or
// ward each became under Resolution 1662/NQ-UBTVQH15 (in force 1 July
// 2025). Only mergers we could confirm are listed; urban ones get street
// addresses, rural ones hamlets (ấp).
var units = []struct {
	commune, district, newUnit string
	urban                      bool
}{
	{"Phường Tân Hạnh", "Thành phố Biên Hòa", "Phường Biên Hòa", true},
	{"Phường Hóa An", "Thành phố Biên Hòa", "Phường Biên Hòa", true},
	{"Phường Bửu Hòa", "Thành phố Biên Hòa", "Phường Biên Hòa", true},
	{"Phường Tân Vạn", "Thành phố Biên Hòa", "Phường Biên Hòa", true},
	{"Phường Bửu Long", "Thành phố Biên Hòa", "Phường Trấn Biên", true},
	{"Phường Quang Vinh", "Thành phố Biên Hòa", "Phường Trấn Biên", true},
	{"Phường Trung Dũng", "Thành phố Biên Hòa", "Phường Trấn Biên", true},
	{"Phường Thống Nhất", "Thành phố Biên Hòa", "Phường Trấn Biên", true},
	{"Phường Hiệp Hòa", "Thành phố Biên Hòa", "Phường Trấn Biên", true},
	{"Phường An Bình", "Thành phố Biên Hòa", "Phường Trấn Biên", true},
	{"Phường Tân Hiệp", "Thành phố Biên Hòa", "Phường Tam Hiệp", true},
	{"Phường Tân Mai", "Thành phố Biên Hòa", "Phường Tam Hiệp", true},
	{"Phường Tam Hiệp", "Thành phố Biên Hòa", "Phường Tam Hiệp", true},
	{"Phường Bình Đa", "Thành phố Biên Hòa", "Phường Tam Hiệp", true},
	{"Phường Long Bình", "Thành phố Biên Hòa", "Phường Long Bình", true},
	{"Phường Hố Nai", "Thành phố Biên Hòa", "Phường Long Bình", true},
	{"Phường Tân Biên", "Thành phố Biên Hòa", "Phường Long Bình", true},
	{"Phường Trảng Dài", "Thành phố Biên Hòa", "Phường Trảng Dài", true},
	{"Xã Thiện Tân", "Huyện Vĩnh Cửu", "Phường Trảng Dài", false},
	{"Phường Tân Hòa", "Thành phố Biên Hòa", "Xã Hố Nai 3", true},
	{"Xã Hố Nai 3", "Huyện Trảng Bom", "Xã Hố Nai 3", false},
	{"Phường An Hòa", "Thành phố Biên Hòa", "Xã Long Hưng", true},
	{"Xã Long Hưng", "Thành phố Biên Hòa", "Xã Long Hưng", false},
	{"Phường Phước Tân", "Thành phố Biên Hòa", "Phường Phước Tân", true},
	{"Phường Tam Phước", "Thành phố Biên Hòa", "Phường Tam Phước", true},
	{"Xã Phú Hữu", "Huyện Nhơn Trạch", "Xã Đại Phước", false},
	{"Xã Phước Khánh", "Huyện Nhơn Trạch", "Xã Đại Phước", false},
	{"Xã Phú Đông", "Huyện Nhơn Trạch", "Xã Đại Phước", false},
	{"Xã Đại Phước", "Huyện Nhơn Trạch", "Xã Đại Phước", false},
	{"Thị trấn Vĩnh An", "Huyện Vĩnh Cửu", "Xã Trị An", false},
	{"Xã Mã Đà", "Huyện Vĩnh Cửu", "Xã Trị An", false},
	{"Xã Trị An", "Huyện Vĩnh Cửu", "Xã Trị An", false},
	{"Xã Phú Lý", "Huyện Vĩnh Cửu", "Xã Phú Lý", false},
	{"Xã Đắk Lua", "Huyện Tân Phú", "Xã Đắk Lua", false},
}

var streets = []string{"Phạm Văn Thuận", "Võ Thị Sáu", "Đồng Khởi", "Nguyễn Ái Quốc", "Cách Mạng Tháng Tám",
	"Hà Huy Giáp", "Bùi Văn Hòa", "Phan Trung", "Huỳnh Văn Nghệ", "Nguyễn Văn Trị", "Bùi Trọng Nghĩa", "Phan Đình Phùng"}

// homeOf picks a home from h.
func homeOf(h uint64) place {
	u := units[h%uint64(len(units))]
	h /= uint64(len(units))
	var street string
	if u.urban {
		street = fmt.Sprintf("Số %d, đường %s, khu phố %d", 1+h%240, streets[h/240%uint64(len(streets))], 1+h/7%9)
	} else {
		street = fmt.Sprintf("Ấp %d", 1+h%8)
	}
	return place{street: street, commune: u.commune, district: u.district, newUnit: u.newUnit}
}

// Agency ids. Each agency signs with its own key (the warehouse makes
// one per agency listed by Agencies).
const (
	agencyC06       = "vn.bca.cuc-c06"      // Cục Cảnh sát QLHC về TTXH (citizen identity)
	agencyPolice    = "vn.dongnai.congan"   // provincial police (residence; driving licences, Phòng CSGT)
	agencyJustice   = "vn.dongnai.sotuphap" // Sở Tư pháp (civil status, criminal record)
	agencyHealth    = "vn.dongnai.soyte"    // Sở Y tế (health records without a hospital)
	agencyEducation = "vn.dongnai.sogddt"   // Sở Giáo dục và Đào tạo
	agencyBHXH      = "vn.bhxh.dongnai"     // Bảo hiểm xã hội tỉnh
	agencyLabour    = "vn.dongnai.sldtbxh"  // Sở LĐ-TB&XH (labour books, disability, allowances)
)

// hospitals maps the health facilities of wallet/sample to their issuer
// ids: hospitals sign their own visit, immunisation and prescription
// records.
var hospitals = map[string]struct {
	id string
	en string
}{
	"Bệnh viện Đa khoa Đồng Nai":            {"vn.dongnai.bvdk-dongnai", "Dong Nai General Hospital"},
	"Bệnh viện Đa khoa Thống Nhất Đồng Nai": {"vn.dongnai.bvdk-thongnhat", "Thong Nhat Dong Nai General Hospital"},
	"Trung tâm Y tế huyện Long Thành":       {"vn.dongnai.ttyt-longthanh", "Long Thanh District Health Centre"},
	"Bệnh viện Đa khoa khu vực Long Khánh":  {"vn.dongnai.bvdkkv-longkhanh", "Long Khanh Regional General Hospital"},
	"Bệnh viện Đa khoa Biên Hòa":            {"vn.dongnai.bvdk-bienhoa", "Bien Hoa General Hospital"},
	"Trung tâm Y tế thành phố Biên Hòa":     {"vn.dongnai.ttyt-bienhoa", "Bien Hoa City Health Centre"},
}

// issuerOf names the agency that signs r.
func issuerOf(r wallet.Record) string {
	switch r.Type {
	case "identity.citizen":
		return agencyC06
	case "identity.residence", sample.LicenceType:
		// Driving licences too: since 1 March 2025 the provincial police
		// hold the licence register, including the cards the Department
		// of Transport issued before.
		return agencyPolice
	case "civil.birth", "civil.marriage", "civil.death", "civil.marital_status", "justice.criminal_record":
		return agencyJustice
	case "health.insurance_card", "labour.social_insurance_book", "labour.contribution":
		return agencyBHXH
	case "health.checkup", "health.immunization", "health.prescription":
		if f, _ := r.Claims["facility"].(string); hospitals[f].id != "" {
			return hospitals[f].id
		}
		return agencyHealth
	case "health.disability", "labour.employment", "labour.allowance":
		return agencyLabour
	}
	if t, ok := wallet.LookupType(r.Type); ok && t.Domain == wallet.DomainEducation {
		return agencyEducation
	}
	return agencyHealth
}

// Agencies lists every issuer of the demo province.
func (p Province) Agencies() []warehouse.Agency {
	out := []warehouse.Agency{
		{ID: agencyC06, Name: wallet.Label{VI: "Cục Cảnh sát quản lý hành chính về trật tự xã hội, Bộ Công an", EN: "Police Department for Administrative Management of Social Order, Ministry of Public Security"}},
		{ID: agencyPolice, Name: wallet.Label{VI: "Công an tỉnh Đồng Nai", EN: "Dong Nai Provincial Police"}},
		{ID: agencyJustice, Name: wallet.Label{VI: "Sở Tư pháp tỉnh Đồng Nai", EN: "Dong Nai Department of Justice"}},
		{ID: agencyHealth, Name: wallet.Label{VI: "Sở Y tế tỉnh Đồng Nai", EN: "Dong Nai Department of Health"}},
		{ID: agencyEducation, Name: wallet.Label{VI: "Sở Giáo dục và Đào tạo tỉnh Đồng Nai", EN: "Dong Nai Department of Education and Training"}},
		{ID: agencyBHXH, Name: wallet.Label{VI: "Bảo hiểm xã hội tỉnh Đồng Nai", EN: "Dong Nai Social Security"}},
		{ID: agencyLabour, Name: wallet.Label{VI: "Sở Lao động - Thương binh và Xã hội tỉnh Đồng Nai", EN: "Dong Nai Department of Labour, Invalids and Social Affairs"}},
	}
	for _, name := range hospitalOrder {
		out = append(out, warehouse.Agency{ID: hospitals[name].id, Name: wallet.Label{VI: name, EN: hospitals[name].en}})
	}
	return out
}

// hospitalOrder fixes the order of Agencies (map order is random).
var hospitalOrder = []string{
	"Bệnh viện Đa khoa Đồng Nai", "Bệnh viện Đa khoa Thống Nhất Đồng Nai", "Trung tâm Y tế huyện Long Thành",
	"Bệnh viện Đa khoa khu vực Long Khánh", "Bệnh viện Đa khoa Biên Hòa", "Trung tâm Y tế thành phố Biên Hòa",
}
