package thai

import (
	"errors"
	"testing"
	"time"
)

var bangkok = time.FixedZone("ICT", 7*60*60) // Asia/Bangkok: UTC+7 all year, no tzdata needed

func TestParseDate(t *testing.T) {
	tests := []struct {
		name, in, want, wantKey string // want: "2006-01-02"
	}{
		{name: "slashes BE", in: "3/2/2566", want: "2023-02-03"},
		{name: "slashes two-digit BE", in: "3/2/66", want: "2023-02-03"},
		{name: "dashes CE", in: "03-02-2023", want: "2023-02-03"},
		{name: "dots BE", in: "3.2.2566", want: "2023-02-03"},
		{name: "spaces", in: "3 2 2566", want: "2023-02-03"},
		{name: "ISO", in: "2023-02-03", want: "2023-02-03"},
		{name: "year first BE", in: "2566/02/03", want: "2023-02-03"},
		{name: "thai digits", in: "๓/๒/๒๕๖๖", want: "2023-02-03"},
		{name: "full-width digits", in: "３/２/２５６６", want: "2023-02-03"},
		{name: "thai abbr two-digit", in: "3 ก.พ. 66", want: "2023-02-03"},
		{name: "thai abbr no last dot", in: "3 ก.พ 2566", want: "2023-02-03"},
		{name: "thai abbr no dots", in: "3 กพ 2566", want: "2023-02-03"},
		{name: "thai abbr glued", in: "3ก.พ.66", want: "2023-02-03"},
		{name: "thai full", in: "3 กุมภาพันธ์ 2566", want: "2023-02-03"},
		{name: "thai spoken", in: "3 กุมภา 66", want: "2023-02-03"},
		{name: "thai with era", in: "3 กุมภาพันธ์ พ.ศ. 2566", want: "2023-02-03"},
		{name: "era glued", in: "3 ก.พ. พ.ศ.2566", want: "2023-02-03"},
		{name: "CE marker thai", in: "3 ก.พ. ค.ศ. 2023", want: "2023-02-03"},
		{name: "CE marker two digits", in: "3/2/23 ค.ศ.", want: "2023-02-03"},
		{name: "BE marker overrides", in: "3/2/พ.ศ. 2023", wantKey: "date.year"},
		{name: "weekday and วันที่", in: "วันศุกร์ที่ 3 ก.พ. 2566", want: "2023-02-03"},
		{name: "วันที่", in: "วันที่ 3 ก.พ. 66", want: "2023-02-03"},
		{name: "english", in: "3 Feb 2023", want: "2023-02-03"},
		{name: "english full", in: "3 February 2023", want: "2023-02-03"},
		{name: "english month first", in: "Feb 3 2023", want: "2023-02-03"},
		{name: "english comma and weekday", in: "Fri, Feb 3, 2023", want: "2023-02-03"},
		{name: "english ordinal", in: "3rd Sept 2023", want: "2023-09-03"},
		{name: "english AD", in: "3 Feb 2023 AD", want: "2023-02-03"},
		{name: "english BE year", in: "3 Feb 2566", want: "2023-02-03"},
		{name: "upper case", in: "3 FEB 2023", want: "2023-02-03"},
		{name: "leap day BE", in: "29/2/2567", want: "2024-02-29"},
		{name: "two-digit 00", in: "1/1/00", want: "1957-01-01"},
		{name: "december", in: "31 ธ.ค. 2569", want: "2026-12-31"},
		{name: "every thai month", in: "1 พ.ย. 67", want: "2024-11-01"},
		{name: "empty", in: "", wantKey: "date.empty"},
		{name: "zero-width only", in: "\u200B ", wantKey: "date.empty"},
		{name: "no year", in: "3 ก.พ.", wantKey: "date.format"},
		{name: "no year numeric", in: "3/2", wantKey: "date.format"},
		{name: "three-digit year", in: "3/2/566", wantKey: "date.format"},
		{name: "one-digit year", in: "3/2/6", wantKey: "date.format"},
		{name: "three-digit day", in: "003/2/2566", wantKey: "date.format"},
		{name: "unknown word", in: "3 foo 2566", wantKey: "date.format"},
		{name: "two months", in: "ก.พ. 3 มี.ค.", wantKey: "date.format"},
		{name: "time after date", in: "3/2/2566 09:00", wantKey: "date.format"},
		{name: "emoji", in: "3/2/2566 🎂", wantKey: "date.format"},
		{name: "star separator", in: "3*2*2566", wantKey: "date.format"},
		{name: "words", in: "พรุ่งนี้", wantKey: "date.format"},
		{name: "31 feb", in: "31/2/2566", wantKey: "date.invalid"},
		{name: "29 feb non-leap", in: "29/2/2566", wantKey: "date.invalid"},
		{name: "31 april", in: "31 เม.ย. 2566", wantKey: "date.invalid"},
		{name: "month 13", in: "1/13/2566", wantKey: "date.invalid"},
		{name: "day 0", in: "0/1/2566", wantKey: "date.invalid"},
		{name: "month first US", in: "02/13/2023", wantKey: "date.invalid"},
		{name: "year too early", in: "1/1/1899", wantKey: "date.year"},
		{name: "BE below 2400 is CE", in: "1/1/2399", wantKey: "date.year"},
		{name: "year too late BE", in: "1/1/2800", wantKey: "date.year"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDate(tt.in, bangkok)
			if key := errKey(t, err); key != tt.wantKey {
				t.Fatalf("ParseDate(%q) = %v, %v; want key %q", tt.in, got, err, tt.wantKey)
			}
			if tt.wantKey != "" {
				return
			}
			want, _ := time.ParseInLocation("2006-01-02", tt.want, bangkok)
			if !got.Equal(want) || got.Location() != bangkok {
				t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}

func TestParseDateEveryMonthName(t *testing.T) {
	for i, m := range thaiMonths {
		month := time.Month(i + 1)
		for _, name := range []string{m.long, m.abbr, m.spoken, month.String(), month.String()[:3]} {
			got, err := ParseDate("15 "+name+" 2568", bangkok)
			if err != nil || got.Month() != month || got.Year() != 2025 || got.Day() != 15 {
				t.Errorf("ParseDate(15 %s 2568) = %v, %v; want 15 %s 2025", name, got, err, month)
			}
		}
	}
}

func TestParseTimeOfDay(t *testing.T) {
	tests := []struct {
		name, in     string
		hour, minute int
		wantKey      string
	}{
		{name: "colon", in: "9:00", hour: 9},
		{name: "dot", in: "09.00", hour: 9},
		{name: "dot น.", in: "9.00 น.", hour: 9},
		{name: "glued น.", in: "9.30น.", hour: 9, minute: 30},
		{name: "นาฬิกา นาที", in: "9 นาฬิกา 30 นาที", hour: 9, minute: 30},
		{name: "thai digits", in: "๑๔.๓๐ น.", hour: 14, minute: 30},
		{name: "hhmm", in: "0900", hour: 9},
		{name: "hmm", in: "930", hour: 9, minute: 30},
		{name: "whole hour น.", in: "14 น.", hour: 14},
		{name: "midnight", in: "00:00", hour: 0},
		{name: "last minute", in: "23:59", hour: 23, minute: 59},
		{name: "am", in: "9am", hour: 9},
		{name: "12 am", in: "12 a.m.", hour: 0},
		{name: "pm with minutes", in: "2:30 PM", hour: 14, minute: 30},
		{name: "12 pm", in: "12pm", hour: 12},
		{name: "9 โมง", in: "9 โมง", hour: 9},
		{name: "9 โมงเช้า", in: "9 โมงเช้า", hour: 9},
		{name: "3 โมง is afternoon", in: "3 โมง", hour: 15},
		{name: "โมงครึ่ง", in: "10 โมงครึ่ง", hour: 10, minute: 30},
		{name: "บ่าย 2 โมง", in: "บ่าย 2 โมง", hour: 14},
		{name: "บ่าย2", in: "บ่าย2", hour: 14},
		{name: "บ่ายโมง", in: "บ่ายโมง", hour: 13},
		{name: "บ่ายโมงครึ่ง", in: "บ่ายโมงครึ่ง", hour: 13, minute: 30},
		{name: "5 โมงเย็น", in: "5 โมงเย็น", hour: 17},
		{name: "2 ทุ่ม", in: "2 ทุ่ม", hour: 20},
		{name: "เที่ยง", in: "เที่ยง", hour: 12},
		{name: "เที่ยงคืน", in: "เที่ยงคืน", hour: 0},
		{name: "เวลา", in: "เวลา 09.30 น.", hour: 9, minute: 30},
		{name: "empty", in: "", wantKey: "time.format"},
		{name: "bare hour", in: "9", wantKey: "time.format"},
		{name: "one-digit minute", in: "9:5", wantKey: "time.format"},
		{name: "seconds", in: "9:00:00", wantKey: "time.format"},
		{name: "five digits", in: "09000", wantKey: "time.format"},
		{name: "word", in: "ตอนเช้า", wantKey: "time.format"},
		{name: "emoji", in: "9:00 ⏰", wantKey: "time.format"},
		{name: "half with minutes", in: "9:15 ครึ่ง", wantKey: "time.format"},
		{name: "hour 24", in: "24:00", wantKey: "time.invalid"},
		{name: "hour 25", in: "25.00 น.", wantKey: "time.invalid"},
		{name: "minute 60", in: "9:60", wantKey: "time.invalid"},
		{name: "hhmm minute 75", in: "0975", wantKey: "time.invalid"},
		{name: "7 ทุ่ม", in: "7 ทุ่ม", wantKey: "time.invalid"},
		{name: "13 pm", in: "13 pm", wantKey: "time.invalid"},
		{name: "บ่าย 9", in: "บ่าย 9 โมง", wantKey: "time.invalid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, m, err := ParseTimeOfDay(tt.in)
			if key := errKey(t, err); key != tt.wantKey || h != tt.hour || m != tt.minute {
				t.Errorf("ParseTimeOfDay(%q) = %d, %d, %v; want %d, %d, key %q", tt.in, h, m, err, tt.hour, tt.minute, tt.wantKey)
			}
		})
	}
}

func TestParseDateTime(t *testing.T) {
	tests := []struct {
		name, in, want, wantKey string // want: "2006-01-02 15:04"
	}{
		{name: "slashes", in: "14/12/2569 09:00", want: "2026-12-14 09:00"},
		{name: "thai month, dot time", in: "14 ธ.ค. 69 9.00 น.", want: "2026-12-14 09:00"},
		{name: "ISO", in: "2026-12-14 09:00", want: "2026-12-14 09:00"},
		{name: "LINE datetime picker", in: "2026-12-14T09:00", want: "2026-12-14 09:00"},
		{name: "เวลา", in: "14/12/2569 เวลา 09.30 น.", want: "2026-12-14 09:30"},
		{name: "comma", in: "14 Dec 2026, 13:45", want: "2026-12-14 13:45"},
		{name: "spoken", in: "14 ธ.ค. 69 บ่าย 2 โมง", want: "2026-12-14 14:00"},
		{name: "thai digits", in: "๑๔/๑๒/๒๕๖๙ ๐๙.๐๐ น.", want: "2026-12-14 09:00"},
		{name: "no time", in: "14/12/2569", wantKey: "datetime.need_time"},
		{name: "empty", in: "", wantKey: "date.empty"},
		{name: "bad date", in: "31/2/2569 09:00", wantKey: "date.invalid"},
		{name: "bad year", in: "14/12/1800 09:00", wantKey: "date.year"},
		{name: "bad time", in: "14/12/2569 25:00", wantKey: "time.invalid"},
		{name: "bare hour", in: "14/12/2569 9", wantKey: "time.format"},
		{name: "time only", in: "09:00", wantKey: "date.format"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseDateTime(tt.in, bangkok)
			if key := errKey(t, err); key != tt.wantKey {
				t.Fatalf("ParseDateTime(%q) = %v, %v; want key %q", tt.in, got, err, tt.wantKey)
			}
			if tt.wantKey != "" {
				return
			}
			want, _ := time.ParseInLocation("2006-01-02 15:04", tt.want, bangkok)
			if !got.Equal(want) {
				t.Errorf("ParseDateTime(%q) = %v, want %v", tt.in, got, want)
			}
		})
	}
}

func FuzzParseDateTime(f *testing.F) {
	for _, s := range []string{"", "14/12/2569 09:00", "3 ก.พ. 66", "บ่ายโมงครึ่ง", "99999999999999999999/1/1", "t", "ค.ศ."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if d, err := ParseDate(s, bangkok); err == nil && (d.Year() < minYear || d.Year() > maxYear) {
			t.Fatalf("ParseDate(%q) = %v: year out of range", s, d)
		}
		if dt, err := ParseDateTime(s, bangkok); err == nil && (dt.Year() < minYear || dt.Year() > maxYear) {
			t.Fatalf("ParseDateTime(%q) = %v: year out of range", s, dt)
		}
		if h, m, err := ParseTimeOfDay(s); err == nil && (h < 0 || h > 23 || m < 0 || m > 59) {
			t.Fatalf("ParseTimeOfDay(%q) = %d:%d", s, h, m)
		}
	})
}

func TestParseAge(t *testing.T) {
	tests := []struct {
		in      string
		want    int
		wantKey string
	}{
		{"45", 45, ""}, {"45 ปี", 45, ""}, {"45ปี", 45, ""}, {"๔๕", 45, ""}, {"อายุ 45 ปี", 45, ""},
		{"45 years", 45, ""}, {"０４５", 45, ""}, {"0", 0, ""}, {"130", 130, ""},
		{"ประมาณ 40", 40, ""}, {"ประมาณ40ปี", 40, ""}, {"อายุประมาณ 40 ปี", 40, ""}, {"ราวๆ ๔๐", 40, ""},
		{"ประมาณอายุ 40", 40, ""}, {"about 40", 40, ""}, {"~40 years", 40, ""}, {"ประมาณ", 0, "age.format"},
		{"ประมาณ 40 กว่า", 0, "age.format"},
		{"", 0, "age.format"}, {"ปี", 0, "age.format"}, {"-5", 0, "age.format"}, {"45.5", 0, "age.format"},
		{"สี่สิบห้า", 0, "age.format"}, {"45 ปี 6 เดือน", 0, "age.format"}, {"4 5", 0, "age.format"},
		{"131", 0, "age.range"}, {"99999999999999999999999", 0, "age.range"},
	}
	for _, tt := range tests {
		got, err := ParseAge(tt.in)
		if key := errKey(t, err); key != tt.wantKey || got != tt.want {
			t.Errorf("ParseAge(%q) = %d, %v; want %d, key %q", tt.in, got, err, tt.want, tt.wantKey)
		}
	}
}

func TestAgeOn(t *testing.T) {
	day := func(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, bangkok) }
	tests := []struct {
		name      string
		birth, on time.Time
		want      int
	}{
		{"day before birthday", day(1980, 5, 10), day(2025, 5, 9), 44},
		{"on birthday", day(1980, 5, 10), day(2025, 5, 10), 45},
		{"after birthday", day(1980, 5, 10), day(2025, 12, 1), 45},
		{"leap-day birth, 28 Feb", day(2000, 2, 29), day(2023, 2, 28), 22},
		{"leap-day birth, 1 Mar", day(2000, 2, 29), day(2023, 3, 1), 23},
		{"leap-day birth, leap year", day(2000, 2, 29), day(2024, 2, 29), 24},
		{"newborn", day(2025, 1, 1), day(2025, 1, 1), 0},
		{"birth in the future", day(2026, 1, 2), day(2026, 1, 1), -1},
	}
	for _, tt := range tests {
		if got := AgeOn(tt.birth, tt.on); got != tt.want {
			t.Errorf("%s: AgeOn = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestFormatDates(t *testing.T) {
	morning := time.Date(2026, 12, 14, 2, 0, 0, 0, time.UTC) // 09:00 in Bangkok, a Monday
	feb := time.Date(2023, 2, 2, 17, 30, 0, 0, time.UTC)     // 3 Feb 00:30 in Bangkok, a Friday
	tests := []struct {
		name string
		f    func(time.Time, *time.Location) string
		t    time.Time
		want string
	}{
		{"FormatDate", FormatDate, feb, "3 ก.พ. 2566"},
		{"FormatDateLong", FormatDateLong, feb, "3 กุมภาพันธ์ 2566"},
		{"FormatDateTime", FormatDateTime, morning, "14 ธ.ค. 2569 09:00 น."},
		{"FormatTime", FormatTime, morning, "09:00 น."},
		{"WeekdayTH", WeekdayTH, morning, "วันจันทร์"},
		{"WeekdayTH by zone", WeekdayTH, feb, "วันศุกร์"},
		{"FormatDateEN", FormatDateEN, feb, "3 Feb 2023"},
		{"FormatDateTimeEN", FormatDateTimeEN, morning, "14 Dec 2026, 09:00"},
	}
	for _, tt := range tests {
		if got := tt.f(tt.t, bangkok); got != tt.want {
			t.Errorf("%s(%v) = %q, want %q", tt.name, tt.t, got, tt.want)
		}
	}
	if got := FormatDate(feb, time.UTC); got != "2 ก.พ. 2566" {
		t.Errorf("FormatDate in UTC = %q, want the UTC day", got)
	}
}

// TestFormatParseRoundTrip: every day of a leap year, formatted in Thai (short and long) and
// in English, parses back to the same day.
func TestFormatParseRoundTrip(t *testing.T) {
	for d := time.Date(2024, 1, 1, 0, 0, 0, 0, bangkok); d.Year() == 2024; d = d.AddDate(0, 0, 1) {
		for _, s := range []string{FormatDate(d, bangkok), FormatDateLong(d, bangkok), FormatDateEN(d, bangkok)} {
			if got, err := ParseDate(s, bangkok); err != nil || !got.Equal(d) {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v", s, got, err, d)
			}
		}
		dt := d.Add(13*time.Hour + 5*time.Minute)
		for _, s := range []string{FormatDateTime(dt, bangkok), FormatDateTimeEN(dt, bangkok)} {
			if got, err := ParseDateTime(s, bangkok); err != nil || !got.Equal(dt) {
				t.Fatalf("ParseDateTime(%q) = %v, %v; want %v", s, got, err, dt)
			}
		}
	}
}

func TestParseDateTimeFrom(t *testing.T) {
	bkk := bangkok
	now := time.Date(2026, 12, 1, 22, 30, 0, 0, bkk)
	for in, want := range map[string]time.Time{
		"พรุ่งนี้ 8 โมง":      time.Date(2026, 12, 2, 8, 0, 0, 0, bkk),
		"พรุ่งนี้ 8 โมงเช้า":  time.Date(2026, 12, 2, 8, 0, 0, 0, bkk),
		"วันนี้ 23:00":        time.Date(2026, 12, 1, 23, 0, 0, 0, bkk),
		"มะรืนนี้ บ่าย 2 โมง": time.Date(2026, 12, 3, 14, 0, 0, 0, bkk),
		"tomorrow 9am":     time.Date(2026, 12, 2, 9, 0, 0, 0, bkk),
		"14/12/2569 09:00": time.Date(2026, 12, 14, 9, 0, 0, 0, bkk),
	} {
		got, err := ParseDateTimeFrom(in, now, bkk)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseDateTimeFrom(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for in, key := range map[string]string{"พรุ่งนี้": "datetime.need_time", "พรุ่งนี้ 9": "time.format", "เมื่อวาน 9:00": "date.format"} {
		_, err := ParseDateTimeFrom(in, now, bkk)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Key != key {
			t.Errorf("ParseDateTimeFrom(%q): %v, want %s", in, err, key)
		}
	}
}
