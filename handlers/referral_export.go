package handlers

import (
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/ssonet/ssonet/store"
	"github.com/ssonet/ssonet/thai"
)

// exportHeader is the first row of an export, in Thai for the officers who open it.
var exportHeader = []string{
	"รหัสอ้างอิง", "วันที่ส่ง", "ที่มา", "ชื่อ-นามสกุล", "เลขบัตรประชาชน", "เบอร์มือถือ", "วันเกิด", "อายุ",
	"อายุสูงสุดยังไม่ยืนยัน", "อาชีพ", "จังหวัด", "อำเภอ", "ทางเลือกที่สนใจ", "สถานะ", "หมายเหตุ",
	"วันที่เปลี่ยนสถานะ", "แกนนำผู้แนะนำ (LINE ID)", "ยินยอมเมื่อ",
}

// exportRow renders one referral under exportHeader: dates in the display zone with the
// Buddhist-era year, IDs masked unless reveal.
func (a *ReferralAPI) exportRow(r store.Referral, reveal bool) []string {
	nid, phone := personal(r, reveal)
	source := "แกนนำแนะนำ"
	if r.Source == store.SourceSelf {
		source = "สมัครเอง"
	}
	birth, age, uncertain := "", "", ""
	if !r.BirthDate.IsZero() {
		birth = thai.FormatDate(r.BirthDate, time.UTC) // a calendar day, stored at midnight UTC
	}
	if r.Age > 0 {
		age = strconv.Itoa(r.Age)
	}
	if r.AgeUncertain {
		uncertain = "ใช่ (60–65 ปี ตรวจสอบกับ 1506)"
	}
	province := r.ProvinceCode
	if p, ok := thai.ProvinceByCode(r.ProvinceCode); ok {
		province = p.NameTH
	}
	option := map[string]string{"1": "ทางเลือก 1", "2": "ทางเลือก 2", "3": "ทางเลือก 3", "unsure": "ยังไม่แน่ใจ"}[r.Option]
	return []string{
		r.ID, thai.FormatDateTime(r.CreatedAt, a.Location), source, r.FullName, nid, phone, birth, age,
		uncertain, r.Occupation, province, r.District, option, a.Notifier.ReferralStatusText(r.Status), r.StatusNote,
		thai.FormatDateTime(r.StatusAt, a.Location), r.LeaderID, thai.FormatDateTime(r.ConsentAt, a.Location),
	}
}

// exportRows reads the filters, lists up to maxExport referrals, audits reveals and renders the
// rows (header first). It attaches any error to c and returns ok false.
func (a *ReferralAPI) exportRows(c *gin.Context, format string) (rows [][]string, ok bool) {
	f, err := a.filter(c, maxExport)
	if err == nil && c.Query("limit") == "" {
		f.Limit = maxExport
	}
	var rev bool
	if err == nil {
		rev, err = reveal(c)
	}
	var rs []store.Referral
	if err == nil {
		rs, err = a.Actions.Referrals(c.Request.Context(), actor(c), f, rev, "api export "+format)
	}
	if err != nil {
		c.Error(err)
		return nil, false
	}
	rows = append(rows, exportHeader)
	for _, r := range rs {
		rows = append(rows, a.exportRow(r, rev))
	}
	return rows, true
}

// exportName is the download's file name: referrals-<date in the display zone>.<ext>.
func (a *ReferralAPI) exportName(ext string) string {
	return `attachment; filename="referrals-` + a.Now().In(a.Location).Format(time.DateOnly) + `.` + ext + `"`
}

// exportCSV writes the referrals as CSV (see sendCSV).
func (a *ReferralAPI) exportCSV(c *gin.Context) {
	if rows, ok := a.exportRows(c, "csv"); ok {
		sendCSV(c, a.exportName("csv"), rows)
	}
}

// exportXLSX writes the referrals as one sheet, "ผู้สมัคร" (see sendXLSX).
func (a *ReferralAPI) exportXLSX(c *gin.Context) {
	if rows, ok := a.exportRows(c, "xlsx"); ok {
		sendXLSX(c, a.exportName("xlsx"), "ผู้สมัคร", rows)
	}
}
