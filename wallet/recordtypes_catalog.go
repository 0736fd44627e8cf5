package wallet

// The first set of record types (DESIGN.md, "Record domains"). Field names
// are snake_case English and never change once released: they are the
// claim names inside issuer-signed credentials and in consent tokens.
// Labels follow the wording of the Vietnamese forms they come from.
//
// Sensitive flags follow the categories of sensitive personal data in
// Vietnamese law (Decree 13/2023/ND-CP art. 2(4), carried into Law
// 91/2025/QH15 and Decree 356/2025/ND-CP): racial or ethnic origin,
// religious views, health status recorded in medical records (blood type
// excepted), and data on crimes and criminal acts. Health records are
// marked in full, because even the facility and date of a visit can tell
// a condition.

// Field flags for the constructors below.
const (
	fReq  = 1 << iota // required
	fSens             // sensitive
)

func catField(kind FieldKind, name, vi, en string, flags int, opts ...Option) Field {
	return Field{
		Name:      name,
		Kind:      kind,
		Label:     Label{VI: vi, EN: en},
		Required:  flags&fReq != 0,
		Sensitive: flags&fSens != 0,
		Options:   opts,
	}
}

func catText(name, vi, en string, flags int, opts ...Option) Field {
	return catField(KindText, name, vi, en, flags, opts...)
}
func catDate(name, vi, en string, flags int) Field { return catField(KindDate, name, vi, en, flags) }
func catNum(name, vi, en string, flags int) Field  { return catField(KindNumber, name, vi, en, flags) }
func catBool(name, vi, en string, flags int) Field {
	return catField(KindBool, name, vi, en, flags)
}
func catList(name, vi, en string, flags int) Field { return catField(KindList, name, vi, en, flags) }

func catOpt(value, vi, en string) Option { return Option{Value: value, Label: Label{VI: vi, EN: en}} }

// catSensitive marks every field sensitive (whole health records).
func catSensitive(fs ...Field) []Field {
	for i := range fs {
		fs[i].Sensitive = true
	}
	return fs
}

var catSexOptions = []Option{catOpt("male", "Nam", "Male"), catOpt("female", "Nữ", "Female")}

// catLicenceClasses are the driving-licence classes of Luật Trật tự, an
// toàn giao thông đường bộ 2024, art. 57(1), then the two classes of the
// 2008 Road Traffic Law that licences issued before 2025 still carry.
var catLicenceClasses = []Option{
	catOpt("A1", "Xe mô tô hai bánh đến 125 cm³ hoặc động cơ điện đến 11 kW", "Motorcycles up to 125 cc or 11 kW"),
	catOpt("A", "Xe mô tô hai bánh trên 125 cm³ hoặc động cơ điện trên 11 kW", "Motorcycles over 125 cc or 11 kW"),
	catOpt("B1", "Xe mô tô ba bánh", "Three-wheeled motorcycles"),
	catOpt("B", "Ô tô chở người đến 8 chỗ (không kể chỗ người lái), ô tô tải đến 3.500 kg", "Cars up to 8 passenger seats, lorries up to 3,500 kg"),
	catOpt("C1", "Ô tô tải trên 3.500 kg đến 7.500 kg", "Lorries over 3,500 kg up to 7,500 kg"),
	catOpt("C", "Ô tô tải trên 7.500 kg", "Lorries over 7,500 kg"),
	catOpt("D1", "Ô tô chở người trên 8 chỗ đến 16 chỗ", "Passenger vehicles with 9 to 16 seats"),
	catOpt("D2", "Ô tô chở người trên 16 chỗ đến 29 chỗ", "Passenger vehicles with 17 to 29 seats"),
	catOpt("D", "Ô tô chở người trên 29 chỗ, xe giường nằm", "Passenger vehicles over 29 seats, sleeper coaches"),
	catOpt("BE", "Xe hạng B kéo rơ moóc trên 750 kg", "Class B with a trailer over 750 kg"),
	catOpt("C1E", "Xe hạng C1 kéo rơ moóc trên 750 kg", "Class C1 with a trailer over 750 kg"),
	catOpt("CE", "Xe hạng C kéo rơ moóc trên 750 kg, ô tô đầu kéo kéo sơ mi rơ moóc", "Class C with a trailer over 750 kg, tractor units"),
	catOpt("D1E", "Xe hạng D1 kéo rơ moóc trên 750 kg", "Class D1 with a trailer over 750 kg"),
	catOpt("D2E", "Xe hạng D2 kéo rơ moóc trên 750 kg", "Class D2 with a trailer over 750 kg"),
	catOpt("DE", "Xe hạng D kéo rơ moóc trên 750 kg, ô tô chở khách nối toa", "Class D with a trailer over 750 kg, articulated buses"),
	catOpt("A2", "Xe mô tô hai bánh từ 175 cm³ trở lên (hạng cũ, trước năm 2025)", "Motorcycles of 175 cc and more (former class, before 2025)"),
	catOpt("B2", "Ô tô đến 9 chỗ, ô tô tải dưới 3.500 kg, được hành nghề lái xe (hạng cũ, trước năm 2025)", "Cars up to 9 seats, lorries under 3,500 kg, professional (former class, before 2025)"),
}

func init() {
	// ---- Identity and residence (Bộ Công an, Cục C06) ----
	register(&RecordType{
		Code:   "identity.citizen",
		Domain: DomainIdentity,
		Label:  Label{VI: "Thông tin công dân (CCCD)", EN: "Citizen identity (ID card)"},
		Fields: []Field{
			catText("citizen_id", "Số định danh cá nhân", "Personal identification number", fReq),
			catText("full_name", "Họ, chữ đệm và tên khai sinh", "Full name", fReq),
			catText("other_names", "Tên gọi khác", "Other names", 0),
			catDate("birth_date", "Ngày, tháng, năm sinh", "Date of birth", fReq),
			catText("sex", "Giới tính", "Sex", fReq, catSexOptions...),
			catText("nationality", "Quốc tịch", "Nationality", fReq),
			catText("ethnicity", "Dân tộc", "Ethnicity", fSens),
			catText("religion", "Tôn giáo", "Religion", fSens),
			catText("birth_registration_place", "Nơi đăng ký khai sinh", "Place of birth registration", 0),
			catText("hometown", "Quê quán", "Place of origin", 0),
			catText("permanent_street", "Nơi thường trú: số nhà, đường, thôn, ấp, khu phố", "Permanent residence: house, street, hamlet", 0),
			catText("permanent_commune", "Nơi thường trú: xã, phường, đặc khu", "Permanent residence: commune / ward", 0),
			catText("permanent_district", "Nơi thường trú: quận, huyện (trước 01/7/2025)", "Permanent residence: district (before 1 July 2025)", 0),
			catText("permanent_province", "Nơi thường trú: tỉnh, thành phố", "Permanent residence: province / city", 0),
			catText("current_street", "Nơi ở hiện tại: số nhà, đường, thôn, ấp, khu phố", "Current address: house, street, hamlet", 0),
			catText("current_commune", "Nơi ở hiện tại: xã, phường, đặc khu", "Current address: commune / ward", 0),
			catText("current_district", "Nơi ở hiện tại: quận, huyện (trước 01/7/2025)", "Current address: district (before 1 July 2025)", 0),
			catText("current_province", "Nơi ở hiện tại: tỉnh, thành phố", "Current address: province / city", 0),
			catText("card_number", "Số thẻ căn cước", "ID card number", 0),
			catDate("card_issued_on", "Ngày cấp", "Date of issue", 0),
			catDate("card_expires_on", "Có giá trị đến", "Date of expiry", 0),
			catText("card_issued_by", "Cơ quan cấp", "Issuing authority", 0),
		},
		// Each address is a structured, disclosable object, as the
		// population database holds it (the street or hamlet, the
		// commune, the district of an address written before 1 July
		// 2025, the province): a procedure may ask for the commune and
		// province alone.
		Objects: []Object{
			{Name: "permanent_address", Label: Label{VI: "Nơi thường trú", EN: "Permanent residence"},
				Fields: []string{"permanent_street", "permanent_commune", "permanent_district", "permanent_province"}},
			{Name: "current_address", Label: Label{VI: "Nơi ở hiện tại", EN: "Current address"},
				Fields: []string{"current_street", "current_commune", "current_district", "current_province"}},
		},
	})
	register(&RecordType{
		Code:   "identity.residence",
		Domain: DomainIdentity,
		Label:  Label{VI: "Nơi thường trú / tạm trú", EN: "Permanent / temporary residence"},
		Fields: []Field{
			catText("residence_kind", "Loại cư trú", "Residence kind", fReq,
				catOpt("permanent", "Thường trú", "Permanent"),
				catOpt("temporary", "Tạm trú", "Temporary")),
			catText("address", "Địa chỉ (số nhà, đường, thôn, ấp, khu phố)", "Address (house, street, hamlet)", fReq),
			catText("commune", "Xã, phường, đặc khu", "Commune / ward", fReq),
			catText("district", "Quận, huyện (trước 01/7/2025)", "District (before 1 July 2025)", 0),
			catText("province", "Tỉnh, thành phố", "Province / city", fReq),
			catDate("registered_on", "Ngày đăng ký", "Registered on", fReq),
			catDate("expires_on", "Thời hạn tạm trú đến", "Temporary residence until", 0),
			catText("household_head", "Họ, chữ đệm và tên chủ hộ", "Head of household", 0),
			catText("relation_to_head", "Quan hệ với chủ hộ", "Relationship to head of household", 0),
		},
		// The place of residence is one structured, disclosable object
		// of the credential, as the EU PID's address: a procedure may
		// ask for the province alone.
		Objects: []Object{{Name: "residence_address", Label: Label{VI: "Nơi cư trú", EN: "Place of residence"},
			Fields: []string{"address", "commune", "district", "province"}}},
	})
	// The driving licence (giấy phép lái xe, the PET card). Since 1 March
	// 2025 the provincial police (Phòng Cảnh sát giao thông, Công an tỉnh)
	// test drivers and issue, renew and exchange licences, and hold the
	// register with the licences the Department of Transport issued before,
	// which stay valid for the term printed on them (the transitional
	// provisions of Luật Trật tự, an toàn giao thông đường bộ 2024). The
	// record's issuer is the provincial police; issued_by is the authority
	// printed on the card. One record is one licence of one class, as
	// printed; a citizen who holds a motorcycle and a car licence has two
	// records. The classes are those of art. 57, and two classes of the
	// 2008 law that licences still carry (A2, B2); an absent expires_on is
	// a licence without a term (A1, A, B1, A2).
	register(&RecordType{
		Code:   "identity.driving_licence",
		Domain: DomainIdentity,
		Label:  Label{VI: "Giấy phép lái xe", EN: "Driving licence"},
		Fields: []Field{
			catText("licence_number", "Số giấy phép lái xe", "Licence number", fReq),
			catText("full_name", "Họ và tên", "Full name", fReq),
			catDate("birth_date", "Ngày sinh", "Date of birth", fReq),
			catText("citizen_id", "Số định danh cá nhân", "Personal identification number", 0),
			catText("nationality", "Quốc tịch", "Nationality", 0),
			catText("residence", "Nơi cư trú", "Residence", 0),
			catText("class", "Hạng", "Class", fReq, catLicenceClasses...),
			catDate("first_issued_on", "Ngày trúng tuyển", "Date the test was passed", 0),
			catDate("issued_on", "Ngày cấp", "Date of issue", fReq),
			catDate("expires_on", "Có giá trị đến", "Valid until", 0),
			catText("issued_by", "Cơ quan cấp", "Issuing authority", fReq),
		},
	})

	// ---- Civil status (hộ tịch: UBND cấp xã, Sở Tư pháp) ----
	register(&RecordType{
		Code:   "civil.birth",
		Domain: DomainCivilStatus,
		Label:  Label{VI: "Giấy khai sinh", EN: "Birth certificate"},
		Fields: []Field{
			catText("full_name", "Họ, chữ đệm, tên", "Full name", fReq),
			catDate("birth_date", "Ngày, tháng, năm sinh", "Date of birth", fReq),
			catText("birth_place", "Nơi sinh", "Place of birth", fReq),
			catText("sex", "Giới tính", "Sex", fReq, catSexOptions...),
			catText("ethnicity", "Dân tộc", "Ethnicity", fSens),
			catText("nationality", "Quốc tịch", "Nationality", 0),
			catText("hometown", "Quê quán", "Place of origin", 0),
			catText("citizen_id", "Số định danh cá nhân", "Personal identification number", 0),
			catText("father_name", "Họ, chữ đệm, tên người cha", "Father's full name", 0),
			catNum("father_birth_year", "Năm sinh của cha", "Father's year of birth", 0),
			catText("father_nationality", "Quốc tịch của cha", "Father's nationality", 0),
			catText("mother_name", "Họ, chữ đệm, tên người mẹ", "Mother's full name", 0),
			catNum("mother_birth_year", "Năm sinh của mẹ", "Mother's year of birth", 0),
			catText("mother_nationality", "Quốc tịch của mẹ", "Mother's nationality", 0),
			catText("registration_number", "Số", "Registration number", fReq),
			catText("registration_book", "Quyển số", "Register book", 0),
			catDate("registered_on", "Ngày đăng ký", "Registration date", fReq),
			catText("registration_office", "Nơi đăng ký", "Registration office", fReq),
			catText("declarant_name", "Người đi khai sinh", "Declarant", 0),
		},
	})
	register(&RecordType{
		Code:   "civil.marriage",
		Domain: DomainCivilStatus,
		Label:  Label{VI: "Giấy chứng nhận kết hôn", EN: "Marriage certificate"},
		Fields: []Field{
			catText("husband_name", "Họ, chữ đệm, tên người chồng", "Husband's full name", fReq),
			catDate("husband_birth_date", "Ngày sinh của chồng", "Husband's date of birth", 0),
			catText("husband_ethnicity", "Dân tộc của chồng", "Husband's ethnicity", fSens),
			catText("husband_nationality", "Quốc tịch của chồng", "Husband's nationality", 0),
			catText("husband_citizen_id", "Số định danh của chồng", "Husband's identification number", 0),
			catText("husband_residence", "Nơi cư trú của chồng", "Husband's residence", 0),
			catText("wife_name", "Họ, chữ đệm, tên người vợ", "Wife's full name", fReq),
			catDate("wife_birth_date", "Ngày sinh của vợ", "Wife's date of birth", 0),
			catText("wife_ethnicity", "Dân tộc của vợ", "Wife's ethnicity", fSens),
			catText("wife_nationality", "Quốc tịch của vợ", "Wife's nationality", 0),
			catText("wife_citizen_id", "Số định danh của vợ", "Wife's identification number", 0),
			catText("wife_residence", "Nơi cư trú của vợ", "Wife's residence", 0),
			catText("registration_number", "Số", "Registration number", fReq),
			catText("registration_book", "Quyển số", "Register book", 0),
			catDate("registered_on", "Ngày đăng ký", "Registration date", fReq),
			catText("registration_office", "Nơi đăng ký", "Registration office", fReq),
		},
	})
	register(&RecordType{
		Code:   "civil.death",
		Domain: DomainCivilStatus,
		Label:  Label{VI: "Trích lục khai tử", EN: "Death registration extract"},
		Fields: []Field{
			catText("deceased_name", "Họ, chữ đệm, tên người đã chết", "Deceased's full name", fReq),
			catDate("deceased_birth_date", "Ngày, tháng, năm sinh", "Date of birth", 0),
			catText("deceased_sex", "Giới tính", "Sex", 0, catSexOptions...),
			catText("deceased_ethnicity", "Dân tộc", "Ethnicity", fSens),
			catText("deceased_nationality", "Quốc tịch", "Nationality", 0),
			catText("deceased_citizen_id", "Số định danh cá nhân", "Personal identification number", 0),
			catText("last_residence", "Nơi cư trú cuối cùng", "Last residence", 0),
			catDate("death_date", "Ngày, tháng, năm chết", "Date of death", fReq),
			catText("death_place", "Nơi chết", "Place of death", fReq),
			catText("cause_of_death", "Nguyên nhân chết", "Cause of death", fSens),
			catText("declarant_name", "Người đi khai tử", "Declarant", 0),
			catText("declarant_relation", "Quan hệ với người đã chết", "Relationship to the deceased", 0),
			catText("registration_number", "Số", "Registration number", fReq),
			catText("registration_book", "Quyển số", "Register book", 0),
			catDate("registered_on", "Ngày đăng ký", "Registration date", fReq),
			catText("registration_office", "Nơi đăng ký", "Registration office", fReq),
		},
	})
	register(&RecordType{
		Code:   "civil.marital_status",
		Domain: DomainCivilStatus,
		Label:  Label{VI: "Giấy xác nhận tình trạng hôn nhân", EN: "Certificate of marital status"},
		Fields: []Field{
			catText("full_name", "Họ, chữ đệm, tên", "Full name", fReq),
			catDate("birth_date", "Ngày, tháng, năm sinh", "Date of birth", fReq),
			catText("sex", "Giới tính", "Sex", 0, catSexOptions...),
			catText("citizen_id", "Số định danh cá nhân", "Personal identification number", 0),
			catText("residence", "Nơi cư trú", "Residence", 0),
			catText("marital_status", "Tình trạng hôn nhân", "Marital status", fReq,
				catOpt("single", "Chưa đăng ký kết hôn với ai", "Never married"),
				catOpt("married", "Đang có vợ/chồng", "Married"),
				catOpt("divorced", "Đã ly hôn", "Divorced"),
				catOpt("widowed", "Vợ/chồng đã chết", "Widowed")),
			catText("status_details", "Ghi chú tình trạng hôn nhân", "Marital status details", 0),
			catText("purpose", "Mục đích sử dụng", "Purpose of use", fReq),
			catDate("valid_until", "Có giá trị đến", "Valid until", 0),
			catText("registration_number", "Số", "Number", fReq),
			catDate("registered_on", "Ngày cấp", "Date of issue", fReq),
			catText("registration_office", "Cơ quan cấp", "Issuing office", fReq),
		},
	})

	// ---- Justice (Sở Tư pháp, Trung tâm Lý lịch tư pháp quốc gia) ----
	register(&RecordType{
		Code:   "justice.criminal_record",
		Domain: DomainJustice,
		Label:  Label{VI: "Phiếu lý lịch tư pháp", EN: "Criminal record certificate"},
		Fields: []Field{
			catText("form", "Loại phiếu", "Form", fReq,
				catOpt("1", "Phiếu lý lịch tư pháp số 1", "Form No. 1"),
				catOpt("2", "Phiếu lý lịch tư pháp số 2", "Form No. 2")),
			catText("certificate_number", "Số phiếu", "Certificate number", fReq),
			catText("full_name", "Họ và tên", "Full name", fReq),
			catDate("birth_date", "Ngày, tháng, năm sinh", "Date of birth", fReq),
			catText("sex", "Giới tính", "Sex", 0, catSexOptions...),
			catText("birth_place", "Nơi sinh", "Place of birth", 0),
			catText("nationality", "Quốc tịch", "Nationality", 0),
			catText("citizen_id", "Số định danh cá nhân", "Personal identification number", fReq),
			catText("permanent_address", "Nơi thường trú", "Permanent residence", 0),
			catText("father_name", "Họ và tên cha", "Father's full name", 0),
			catText("mother_name", "Họ và tên mẹ", "Mother's full name", 0),
			catText("spouse_name", "Họ và tên vợ/chồng", "Spouse's full name", 0),
			catBool("has_conviction", "Có án tích", "Has a criminal conviction", fReq|fSens),
			catText("convictions", "Tình trạng án tích", "Convictions", fSens),
			catText("position_ban", "Thông tin về việc cấm đảm nhiệm chức vụ, thành lập, quản lý doanh nghiệp, hợp tác xã",
				"Bans on holding positions or founding and managing enterprises and cooperatives", fSens),
			catText("purpose", "Mục đích sử dụng", "Purpose of use", 0),
			catDate("issued_on", "Ngày cấp", "Date of issue", fReq),
			catText("issued_by", "Cơ quan cấp", "Issuing authority", fReq),
		},
	})

	// ---- Health (Sở Y tế, BHXH, cơ sở khám chữa bệnh) ----
	register(&RecordType{
		Code:   "health.insurance_card",
		Domain: DomainHealth,
		Label:  Label{VI: "Thẻ bảo hiểm y tế", EN: "Health insurance card"},
		Fields: []Field{
			catText("card_number", "Mã thẻ BHYT", "Health insurance card number", fReq),
			catText("social_insurance_number", "Mã số BHXH", "Social insurance number", 0),
			catText("full_name", "Họ và tên", "Full name", fReq),
			catDate("birth_date", "Ngày sinh", "Date of birth", 0),
			catText("sex", "Giới tính", "Sex", 0, catSexOptions...),
			catText("address", "Địa chỉ", "Address", 0),
			catText("beneficiary_group", "Mã đối tượng", "Beneficiary group code", 0),
			catNum("benefit_level", "Mức hưởng", "Benefit level", fReq),
			catText("primary_care_facility", "Nơi đăng ký khám chữa bệnh ban đầu", "Registered primary care facility", fReq),
			catText("primary_care_facility_code", "Mã cơ sở khám chữa bệnh ban đầu", "Primary care facility code", 0),
			catDate("valid_from", "Giá trị sử dụng từ ngày", "Valid from", fReq),
			catDate("valid_to", "Giá trị sử dụng đến ngày", "Valid to", 0),
			catDate("five_years_from", "Thời điểm đủ 5 năm liên tục", "Five consecutive years from", 0),
		},
	})
	register(&RecordType{
		Code:   "health.checkup",
		Domain: DomainHealth,
		Label:  Label{VI: "Sổ sức khỏe điện tử (khám chữa bệnh)", EN: "Electronic health book (medical visit)"},
		Fields: catSensitive(
			catText("facility", "Cơ sở khám chữa bệnh", "Health facility", fReq),
			catText("facility_code", "Mã cơ sở khám chữa bệnh", "Health facility code", 0),
			catDate("visit_date", "Ngày khám", "Visit date", fReq),
			catText("visit_kind", "Hình thức", "Kind of visit", 0,
				catOpt("outpatient", "Khám ngoại trú", "Outpatient"),
				catOpt("inpatient", "Điều trị nội trú", "Inpatient"),
				catOpt("checkup", "Khám sức khỏe", "Health check-up")),
			catText("department", "Khoa khám", "Department", 0),
			catText("physician", "Bác sĩ khám", "Physician", 0),
			catText("reason", "Lý do khám", "Reason for visit", 0),
			catNum("height_cm", "Chiều cao (cm)", "Height (cm)", 0),
			catNum("weight_kg", "Cân nặng (kg)", "Weight (kg)", 0),
			catText("blood_pressure", "Huyết áp (mmHg)", "Blood pressure (mmHg)", 0),
			catText("diagnosis", "Chẩn đoán", "Diagnosis", fReq),
			catList("icd10_codes", "Mã bệnh (ICD-10)", "Diagnosis codes (ICD-10)", 0),
			catText("conclusion", "Kết luận", "Conclusion", 0),
			catDate("discharge_date", "Ngày ra viện", "Discharge date", 0),
			catDate("follow_up_date", "Ngày hẹn tái khám", "Follow-up date", 0),
		),
	})
	register(&RecordType{
		Code:   "health.immunization",
		Domain: DomainHealth,
		Label:  Label{VI: "Tiêm chủng", EN: "Immunization"},
		Fields: catSensitive(
			catText("vaccine", "Tên vắc xin", "Vaccine", fReq),
			catText("disease", "Phòng bệnh", "Disease prevented", 0),
			catNum("dose_number", "Mũi thứ", "Dose number", fReq),
			catDate("administered_on", "Ngày tiêm", "Date given", fReq),
			catText("facility", "Cơ sở tiêm chủng", "Immunization facility", fReq),
			catText("lot_number", "Số lô", "Lot number", 0),
			catText("manufacturer", "Nhà sản xuất", "Manufacturer", 0),
			catDate("next_dose_on", "Ngày hẹn mũi tiếp theo", "Next dose due", 0),
			catText("reaction", "Phản ứng sau tiêm", "Reaction after vaccination", 0),
		),
	})
	register(&RecordType{
		Code:   "health.prescription",
		Domain: DomainHealth,
		Label:  Label{VI: "Đơn thuốc", EN: "Prescription"},
		Fields: catSensitive(
			catText("prescription_code", "Mã đơn thuốc", "Prescription code", 0),
			catText("prescriber", "Bác sĩ kê đơn", "Prescriber", fReq),
			catText("facility", "Cơ sở khám chữa bệnh", "Health facility", fReq),
			catDate("prescribed_on", "Ngày kê đơn", "Date prescribed", fReq),
			catText("diagnosis", "Chẩn đoán", "Diagnosis", fReq),
			catList("icd10_codes", "Mã bệnh (ICD-10)", "Diagnosis codes (ICD-10)", 0),
			catList("medicines", "Thuốc (tên, hàm lượng, số lượng, cách dùng)", "Medicines (name, strength, quantity, directions)", fReq),
			catNum("days_supply", "Số ngày dùng thuốc", "Days of treatment", 0),
			catText("advice", "Lời dặn", "Advice", 0),
			catDate("follow_up_date", "Ngày hẹn tái khám", "Follow-up date", 0),
		),
	})
	register(&RecordType{
		Code:   "health.disability",
		Domain: DomainHealth,
		Label:  Label{VI: "Giấy xác nhận khuyết tật", EN: "Disability certificate"},
		Fields: []Field{
			catText("certificate_number", "Số giấy xác nhận", "Certificate number", fReq),
			catText("full_name", "Họ và tên", "Full name", fReq),
			catDate("birth_date", "Ngày sinh", "Date of birth", 0),
			catText("sex", "Giới tính", "Sex", 0, catSexOptions...),
			catText("residence", "Nơi cư trú", "Residence", 0),
			catText("disability_type", "Dạng tật", "Type of disability", fReq|fSens,
				catOpt("mobility", "Khuyết tật vận động", "Mobility"),
				catOpt("hearing_speech", "Khuyết tật nghe, nói", "Hearing and speech"),
				catOpt("vision", "Khuyết tật nhìn", "Vision"),
				catOpt("psychosocial", "Khuyết tật thần kinh, tâm thần", "Psychosocial"),
				catOpt("intellectual", "Khuyết tật trí tuệ", "Intellectual"),
				catOpt("other", "Khuyết tật khác", "Other")),
			catText("severity", "Mức độ khuyết tật", "Severity", fReq|fSens,
				catOpt("especially_severe", "Khuyết tật đặc biệt nặng", "Especially severe"),
				catOpt("severe", "Khuyết tật nặng", "Severe"),
				catOpt("mild", "Khuyết tật nhẹ", "Mild")),
			catDate("assessed_on", "Ngày xác định mức độ khuyết tật", "Date assessed", fReq),
			catText("issued_by", "Cơ quan cấp", "Issuing authority", fReq),
		},
	})

	// ---- Education (Sở GD&ĐT, trường học, cơ sở giáo dục đại học) ----
	register(&RecordType{
		Code:   "education.transcript",
		Domain: DomainEducation,
		Label:  Label{VI: "Học bạ", EN: "School transcript"},
		Fields: []Field{
			catText("student_name", "Họ và tên học sinh", "Student's full name", fReq),
			catDate("birth_date", "Ngày sinh", "Date of birth", 0),
			catText("school", "Trường", "School", fReq),
			catText("school_year", "Năm học", "School year", fReq),
			catNum("grade", "Khối lớp", "Grade", fReq),
			catText("class_name", "Lớp", "Class", 0),
			catNum("gpa", "Điểm trung bình các môn", "Average score", 0),
			catList("subject_scores", "Điểm các môn học", "Subject scores", 0),
			catText("conduct", "Kết quả rèn luyện (hạnh kiểm)", "Conduct", 0),
			catText("ranking", "Kết quả học tập (học lực)", "Academic ranking", 0),
			catText("title", "Danh hiệu", "Award", 0),
			catBool("promoted", "Được lên lớp", "Promoted", 0),
			catText("homeroom_teacher", "Giáo viên chủ nhiệm", "Homeroom teacher", 0),
		},
	})
	register(&RecordType{
		Code:   "education.diploma",
		Domain: DomainEducation,
		Label:  Label{VI: "Văn bằng", EN: "Diploma"},
		Fields: []Field{
			catText("holder_name", "Họ và tên", "Holder's full name", fReq),
			catDate("birth_date", "Ngày sinh", "Date of birth", 0),
			catText("kind", "Loại văn bằng", "Kind of diploma", fReq),
			catText("major", "Ngành đào tạo", "Field of study", 0),
			catText("institution", "Cơ sở cấp bằng", "Awarding institution", fReq),
			catNum("graduation_year", "Năm tốt nghiệp", "Year of graduation", fReq),
			catText("classification", "Xếp loại", "Classification", 0),
			catText("study_mode", "Hình thức đào tạo", "Mode of study", 0),
			catText("serial_number", "Số hiệu văn bằng", "Serial number", fReq),
			catText("register_number", "Số vào sổ cấp văn bằng", "Register entry number", 0),
			catDate("issued_on", "Ngày cấp", "Date of issue", 0),
		},
	})
	register(&RecordType{
		Code:   "education.certificate",
		Domain: DomainEducation,
		Label:  Label{VI: "Chứng chỉ", EN: "Certificate"},
		Fields: []Field{
			catText("holder_name", "Họ và tên", "Holder's full name", fReq),
			catDate("birth_date", "Ngày sinh", "Date of birth", 0),
			catText("name", "Tên chứng chỉ", "Certificate name", fReq),
			catText("level", "Trình độ, bậc", "Level", 0),
			catText("result", "Kết quả", "Result", 0),
			catText("issuing_body", "Đơn vị cấp", "Issuing body", fReq),
			catDate("issued_on", "Ngày cấp", "Date of issue", fReq),
			catDate("expires_on", "Có giá trị đến", "Valid until", 0),
			catText("serial_number", "Số hiệu chứng chỉ", "Serial number", fReq),
			catText("register_number", "Số vào sổ cấp chứng chỉ", "Register entry number", 0),
		},
	})
	register(&RecordType{
		Code:   "education.exam_result",
		Domain: DomainEducation,
		Label:  Label{VI: "Kết quả thi tốt nghiệp THPT", EN: "Upper-secondary graduation exam results"},
		Fields: []Field{
			catText("candidate_name", "Họ và tên thí sinh", "Candidate's full name", fReq),
			catDate("birth_date", "Ngày sinh", "Date of birth", 0),
			catText("candidate_number", "Số báo danh", "Candidate number", fReq),
			catNum("exam_year", "Năm thi", "Exam year", fReq),
			catText("exam_council", "Hội đồng thi", "Exam council", 0),
			catList("subject_scores", "Điểm các bài thi", "Subject scores", fReq),
			catNum("total_score", "Tổng điểm xét tốt nghiệp", "Graduation score", 0),
			catBool("graduated", "Đỗ tốt nghiệp", "Passed", 0),
		},
	})

	// ---- Labour and social insurance (BHXH, Sở Nội vụ / LĐ-TB&XH) ----
	register(&RecordType{
		Code:   "labour.social_insurance_book",
		Domain: DomainLabour,
		Label:  Label{VI: "Sổ bảo hiểm xã hội", EN: "Social insurance book"},
		Fields: []Field{
			catText("social_insurance_number", "Mã số BHXH", "Social insurance number", fReq),
			catText("full_name", "Họ và tên", "Full name", fReq),
			catDate("birth_date", "Ngày sinh", "Date of birth", 0),
			catText("sex", "Giới tính", "Sex", 0, catSexOptions...),
			catText("citizen_id", "Số định danh cá nhân", "Personal identification number", 0),
			catDate("joined_on", "Ngày bắt đầu tham gia", "Joined on", 0),
			catDate("issued_on", "Ngày cấp sổ", "Date of issue", 0),
			catText("issuing_office", "Cơ quan BHXH cấp sổ", "Issuing social insurance office", 0),
			catNum("total_contribution_months", "Tổng thời gian đóng BHXH (tháng)", "Total months contributed", 0),
			catNum("unemployment_months", "Thời gian đóng BHTN chưa hưởng (tháng)", "Unemployment insurance months not yet used", 0),
		},
	})
	register(&RecordType{
		Code:   "labour.employment",
		Domain: DomainLabour,
		Label:  Label{VI: "Sổ lao động điện tử (quá trình làm việc)", EN: "Electronic labour book (employment)"},
		Fields: []Field{
			catText("employer", "Đơn vị sử dụng lao động", "Employer", fReq),
			catText("employer_tax_code", "Mã số thuế đơn vị", "Employer tax code", 0),
			catText("employer_address", "Địa chỉ đơn vị", "Employer address", 0),
			catText("position", "Chức danh, vị trí việc làm", "Position", fReq),
			catText("occupation", "Nghề nghiệp", "Occupation", 0),
			catText("contract_type", "Loại hợp đồng lao động", "Contract type", fReq,
				catOpt("indefinite", "Không xác định thời hạn", "Indefinite term"),
				catOpt("fixed_term", "Xác định thời hạn", "Fixed term")),
			catText("contract_number", "Số hợp đồng", "Contract number", 0),
			catDate("start_date", "Từ ngày", "From", fReq),
			catDate("end_date", "Đến ngày", "To", 0),
			catNum("monthly_salary", "Mức lương (đồng/tháng)", "Monthly salary (VND)", 0),
			catText("work_location", "Địa điểm làm việc", "Place of work", 0),
			catText("termination_reason", "Lý do chấm dứt", "Reason for termination", 0),
		},
	})
	register(&RecordType{
		Code:   "labour.contribution",
		Domain: DomainLabour,
		Label:  Label{VI: "Quá trình đóng BHXH", EN: "Social insurance contributions"},
		Fields: []Field{
			catText("social_insurance_number", "Mã số BHXH", "Social insurance number", fReq),
			catDate("period_from", "Từ ngày", "From", fReq),
			catDate("period_to", "Đến ngày", "To", fReq),
			catText("employer", "Đơn vị đóng", "Employer", fReq),
			catText("position", "Chức vụ, nghề nghiệp", "Position", 0),
			catNum("salary_base", "Mức lương đóng BHXH (đồng)", "Contribution salary (VND)", fReq),
			catNum("months", "Số tháng", "Months", fReq),
			catNum("contribution_rate", "Tỷ lệ đóng (%)", "Contribution rate (%)", 0),
			catList("schemes", "Loại bảo hiểm", "Insurance schemes", 0),
			catText("province", "Nơi đóng", "Province", 0),
		},
	})
	register(&RecordType{
		Code:   "labour.allowance",
		Domain: DomainLabour,
		Label:  Label{VI: "Trợ cấp", EN: "Allowance"},
		Fields: []Field{
			catText("kind", "Loại trợ cấp", "Kind of allowance", fReq,
				catOpt("unemployment", "Trợ cấp thất nghiệp", "Unemployment benefit"),
				catOpt("social_assistance", "Trợ cấp xã hội hằng tháng", "Monthly social assistance"),
				catOpt("maternity", "Trợ cấp thai sản", "Maternity benefit"),
				catOpt("pension", "Lương hưu", "Pension"),
				catOpt("lump_sum", "Bảo hiểm xã hội một lần", "Lump-sum social insurance"),
				catOpt("other", "Trợ cấp khác", "Other")),
			catText("decision_number", "Số quyết định", "Decision number", fReq),
			catDate("decided_on", "Ngày quyết định", "Decision date", 0),
			catText("deciding_authority", "Cơ quan quyết định", "Deciding authority", 0),
			catNum("amount", "Số tiền (đồng)", "Amount (VND)", fReq),
			catBool("monthly", "Chi trả hằng tháng", "Paid monthly", 0),
			catNum("months", "Số tháng hưởng", "Months granted", 0),
			catDate("starts_on", "Từ ngày", "From", fReq),
			catDate("ends_on", "Đến ngày", "To", 0),
			catText("payment_place", "Nơi nhận trợ cấp", "Paid at", 0),
		},
	})
}
