package thai

import (
	"strings"
)

// districtPrefixes are the words people put before a district's name (อ.เมือง, เขตบางรัก),
// dropped before ParseDistrict looks for a province's name.
var districtPrefixes = []string{"อำเภอ", "อ.", "เขต", "amphoe", "khet", "district"}

// dontKnow are the ways of saying "I don't know" that an answer may start with (ไม่รู้ค่ะ,
// ไม่ทราบอำเภอ, จำไม่ได้), compared without spaces and in lower case. No district's name starts
// with one of them.
var dontKnow = []string{"ไม่รู้", "ไม่ทราบ", "ไม่แน่ใจ", "ยังไม่รู้", "ยังไม่ทราบ", "ยังไม่แน่ใจ", "จำไม่ได้", "ไม่รุ้", "dontknow", "don'tknow", "notsure", "idk", "unknown", "?"}

// ParseDistrict reads a district (อำเภอ, or เขต in Bangkok) of the province with code
// provinceCode: free text as ParseFreeText reads it (a district list is not part of this
// package), refusing two answers that are no district:
//   - district.unknown: "I don't know" (ไม่รู้, ไม่ทราบ, ยังไม่แน่ใจ, จำไม่ได้, don't know, not
//     sure, idk, unknown);
//   - district.province: the name or short form of another province ("โคราช" for a district of
//     เพชรบูรณ์), as ProvinceByName reads it after a leading อำเภอ, อ. or เขต; Args {"name":
//     its Thai name, "name_en": its English name}. The province's own name is accepted:
//     พระนครศรีอยุธยา is a district of Phra Nakhon Si Ayutthaya, มหาชัย is in Samut Sakhon;
//   - the errors of ParseFreeText (text.empty, text.bad_chars, text.too_long).
func ParseDistrict(s, provinceCode string, maxLen int) (string, error) {
	v, err := ParseFreeText(s, maxLen)
	if err != nil {
		return "", err
	}
	k := strings.ToLower(strings.ReplaceAll(v, " ", ""))
	for _, w := range dontKnow {
		if strings.HasPrefix(k, w) {
			return "", inputErr("district.unknown")
		}
	}
	name := strings.ToLower(v)
	for _, p := range districtPrefixes {
		if rest, ok := strings.CutPrefix(name, p); ok {
			name = rest
			break
		}
	}
	if p, ok := ProvinceByName(name); ok && p.Code != provinceCode {
		return "", &InputError{Key: "district.province", Args: map[string]any{"name": p.NameTH, "name_en": p.NameEN}}
	}
	return v, nil
}
