package qrtext

// dictionary is the preset DEFLATE dictionary of format version 1: text
// that consent tokens repeat, so that even the first occurrence in a
// token costs a back-reference. It is part of the format: changing one
// byte makes every existing QR undecodable, so a new dictionary needs a
// new Prefix (TestDictionaryIsFrozen pins its hash). DEFLATE reaches 32
// KiB back, and nearer matches are cheaper, so the most frequent text
// comes last.
var dictionary = []byte(
	// Vietnamese place and agency text.
	`Bộ Công anCông an tỉnh Đồng NaiSở Tư pháp tỉnh Đồng NaiSở Y tếBảo hiểm xã hộiỦy ban nhân dân` +
		`Thành phố Biên Hòa, tỉnh Đồng Nai, thành phố Biên Hòa, huyện Nhơn Trạch, huyện Vĩnh Cửu, tỉnh Đồng Nai` +
		`Bệnh viện Đa khoa Trung tâm Y tế UBND phường UBND xã Phường Xã Thị trấn Ấp Số , đường , khu phố ` +
		`Nguyễn Trần Lê Phạm Hoàng Huỳnh Phan Vũ Võ Đặng Bùi Đỗ Hồ Ngô Dương Lý Văn Thị Hữu Đức Minh Ngọc Thu Thanh ` +
		`KinhKhông Việt NamChủ hộCon đẻVợChồng` +
		// Claim names of the record types (wallet's registry) and their common values.
		`"card_number","card_issued_on","card_expires_on","card_issued_by","other_names","ethnicity","religion",` +
		`"birth_registration_place","hometown","permanent_address","current_address","residence_kind","household_head",` +
		`"relation_to_head","registered_on","expires_on","commune","district","province","address","birth_place",` +
		`"father_name","mother_name","spouse_name","registration_number","registration_book","registration_office",` +
		`"declarant_name","marital_status","has_conviction","convictions","certificate_number","issued_on","issued_by",` +
		`"social_insurance_number","beneficiary_group","benefit_level","primary_care_facility","valid_from","valid_to",` +
		`"facility","visit_date","diagnosis","icd10_codes","vaccine","dose_number","administered_on","medicines",` +
		`"school","school_year","grade","subject_scores","holder_name","institution","graduation_year","serial_number",` +
		`"employer","position","contract_type","start_date","end_date","monthly_salary","decision_number","amount",` +
		`"purpose","valid_until","permanent","temporary","active","male","female",` +
		`"full_name","birth_date","sex","nationality","citizen_id","holder_citizen_id",` +
		// Key-binding JWT.
		`{"alg":"ES256","kid":"","typ":"kb+jwt"}{"aud":"vn.dongnai.","exp":17,"iat":17,"jti":"","nonce":"",` +
		`"procedure":"","purpose":"","purpose_code":"","recipient":"","sd_hash":"` +
		// Issuer-signed JWT: header, then the payload around the _sd digests.
		`{"alg":"EdDSA","kid":"","typ":"dc+sd-jwt"}` +
		`"],"_sd_alg":"sha-256","cnf":{"jwk":{"kty":"OKP","crv":"Ed25519","x":""}},` +
		`"],"_sd_alg":"sha-256","cnf":{"jwk":{"kty":"EC","crv":"P-256","x":"","y":""}},"iat":1` +
		`,"iss":"vn.bca.cuc-c06","iss":"vn.bhxh.dongnai","iss":"vn.dongnai.` +
		`","rfrom":1,"rid":"","rstatus":"active","runtil":2,"rver":1,"vct":"identity.citizen"}` +
		`"vct":"health.","vct":"civil.","vct":"education.","vct":"labour.","vct":"identity.residence"}` +
		`{"alg":"ES256","kid":"","typ":"dc+sd-jwt"}{"_sd":["`)

// dictionaryV2 is the preset DEFLATE dictionary of format version 2
// (PrefixNumeric): the version-1 dictionary followed by what packV2 makes
// of the JSON of a token (base64url strings as markers). Like dictionary,
// it is frozen once shipped (TestDictionaryIsFrozen): a new one needs a
// new version digit in PrefixNumeric.
var dictionaryV2 = append(append([]byte(nil), dictionary...), dictionaryV2Tail...)

// dictionaryV2Tail: the JSON of JOSE headers, issuer payloads (the
// SD-JWT VC profile: https iss, vct URN, exp, status, rdate), key bindings
// (nonce = jti) and disclosures (the hidden rid, the citizen binding) as
// packV2 writes them (0x01 n: raw bytes of a base64url string, 0x02: a
// digest reference, 0x03: the sd_hash), and the record headers around
// them (0x06: JSON then '.', 0x09 '@': 64 signature bytes then '~',
// 0x0a: JSON then '~', 0x0d '@': a key binding's signature then the line
// feed before the next record, 0x01 '@': the last signature). The https
// hosts are the Đồng Nai pilot's: another province's tokens compress a
// little less until it has a dictionary of its own (a new version digit).
var dictionaryV2Tail = []byte(
	"\x06{\"alg\":\"EdDSA\",\"kid\":\x01 ,\"typ\":\"dc+sd-jwt\"}" +
		"],\"_sd_alg\":\"sha-256\",\"cnf\":{\"jwk\":{\"kty\":\"OKP\",\"crv\":\"Ed25519\",\"x\":\x01 }},\"exp\":17" +
		",\"iss\":\"https://dulieu.dongnai.gov.vn/issuers/vn.bca.cuc-c06\",\"iss\":\"https://dulieu.dongnai.gov.vn/issuers/vn.bhxh.dongnai\"" +
		",\"uri\":\"https://dulieu.dongnai.gov.vn/status/v1/vn.bca.cuc-c06/\",\"uri\":\"https://dulieu.dongnai.gov.vn/status/v1/vn.bhxh.dongnai/\"" +
		"\x06{\"_sd\":[\x01 ,\x01 ,\x02" +
		"],\"_sd_alg\":\"sha-256\",\"cnf\":{\"jwk\":{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\x01 ,\"y\":\x01 }},\"exp\":17" +
		",\"iat\":17,\"iss\":\"https://dulieu.dongnai.gov.vn/issuers/vn.dongnai.\",\"rdate\":1,\"rfrom\":1,\"rstatus\":\"active\",\"runtil\":1,\"rver\":1" +
		",\"status\":{\"status_list\":{\"idx\":,\"uri\":\"https://dulieu.dongnai.gov.vn/status/v1/vn.dongnai.\"}},\"vct\":\"urn:vn:dongnai:vct:\"}\t@" +
		"\n[\x01\x10,\"rid\",\"\"]\n[\x01\x10,\"holder_citizen_id\",\"0\"]\n[\x01\x10,\"\",\"\"]\n[\x01\x10,\"" +
		"\x06{\"alg\":\"ES256\",\"kid\":\x01 ,\"typ\":\"kb+jwt\"}\x06{\"aud\":\"vn.dongnai.\",\"exp\":17,\"iat\":17," +
		"\"jti\":\x01\x10,\"nonce\":\x01\x10,\"procedure\":\"\",\"purpose\":\"\",\"sd_hash\":\x03,\"single_use\":true}" +
		"\r@\x06{\"alg\":\"ES256\",\"kid\":\x01 ,\"typ\":\"dc+sd-jwt\"}\x01@")
