// Package richmenu draws ssonet's rich menus (one per member role, with tabs where a role has
// more than six actions), keeps them in sync on LINE, and links each member's menu to their
// role.
//
// Every button sends a message action whose text is a phrase the bot understands when it is
// typed, so LINE for PC, which shows no rich menus (line-platform.md row 35), loses nothing.
// Tabs switch between the pages of an officer who is also a leader with a richmenuswitch action
// through an alias; a tab only changes what the menu shows.
package richmenu

import (
	"image/color"
)

// Size of every menu image: the reference's own 2500×1686 (row 34: width 800–2,500 px,
// width/height ≥ 1.45; 2500/1686 ≈ 1.48).
const (
	Width  = 2500
	Height = 1686
	tabBar = 230 // height of the tab bar of tabbed menus
)

// Menu keys: one per standing, plus the leader pages of officers who are also leaders.
const (
	KeyNewcomer       = "newcomer"        // default menu: no application, or rejected (re-apply)
	KeyPending        = "pending"         // leader application waiting for an officer
	KeyLeader         = "leader"          // approved leader
	KeyOfficer        = "officer"         // officer (or ADMIN_LINE_USER_IDS) who is no leader
	KeyOfficerLeader  = "officer-leader"  // officer who is an approved leader: officer tab
	KeyLeaderOfficer  = "leader-officer"  // ... and the leader tab
	KeyOfficerPending = "officer-pending" // officer whose leader application is pending
	KeyPendingOfficer = "pending-officer" // ... and its leader tab
)

// button is one tappable tile: what it shows and the phrase it sends.
type button struct {
	label string // Thai, at most 20 graphemes (row 18)
	text  string // sent as the member's message when tapped; the bot understands it typed
	icon  string // see icons
	bg    color.RGBA
}

// tab is one entry of a menu's tab bar: it shows the menu with key target.
type tab struct {
	label  string
	target string
}

// menu is the definition a rich menu is drawn and created from.
type menu struct {
	key     string
	chatBar string // at most 14 graphemes (row 35), and 14 code points (the OpenAPI maxLength)
	tabs    []tab  // none: no tab bar
	active  int    // which tab is this menu
	buttons []button
}

// Colours: high contrast, white text on saturated tiles.
var (
	blue   = color.RGBA{0x0B, 0x4E, 0xA2, 0xFF}
	navy   = color.RGBA{0x0A, 0x2A, 0x66, 0xFF}
	teal   = color.RGBA{0x00, 0x6D, 0x77, 0xFF}
	green  = color.RGBA{0x1B, 0x7A, 0x3D, 0xFF}
	orange = color.RGBA{0xB4, 0x4C, 0x00, 0xFF}
	purple = color.RGBA{0x5B, 0x2C, 0x8F, 0xFF}
	grey   = color.RGBA{0x45, 0x4F, 0x5E, 0xFF}
	paper  = color.RGBA{0xEE, 0xF2, 0xF8, 0xFF}
	white  = color.RGBA{0xFF, 0xFF, 0xFF, 0xFF}
)

// The buttons, by what they do. text is what LINE sends when the tile is tapped.
var (
	btnS40      = button{label: "มาตรา 40", text: "มาตรา 40", icon: "info", bg: blue}
	btnS40Apply = button{label: "วิธีสมัคร ม.40", text: "สมัคร ม.40 ยังไง", icon: "doc", bg: teal}
	btnInterest = button{label: "สนใจสมัคร", text: "สนใจสมัคร", icon: "phone", bg: green}
	btnApply    = button{label: "สมัครแกนนำ", text: "สมัครแกนนำ", icon: "person-plus", bg: orange}
	btnContact  = button{label: "ติดต่อเจ้าหน้าที่", text: "ติดต่อเจ้าหน้าที่", icon: "chat", bg: purple}
	btnHelp     = button{label: "ช่วยเหลือ", text: "ช่วยเหลือ", icon: "help", bg: grey}
	btnStatus   = button{label: "สถานะใบสมัคร", text: "สถานะ", icon: "check", bg: orange}
	btnSchedule = button{label: "ตารางอบรม", text: "ตารางอบรม", icon: "calendar", bg: green}
	btnMine     = button{label: "อบรมของฉัน", text: "อบรมของฉัน", icon: "calendar-check", bg: teal}
	btnRefer    = button{label: "แนะนำผู้สมัคร", text: "แนะนำผู้สมัคร", icon: "person-plus", bg: orange}
	btnReferred = button{label: "ผู้ที่ฉันแนะนำ", text: "ผู้ที่ฉันแนะนำ", icon: "people", bg: purple}
	btnPending  = button{label: "รออนุมัติ", text: "รออนุมัติ", icon: "clock", bg: orange}
	btnAnnounce = button{label: "ส่งประกาศ", text: "ประกาศ", icon: "megaphone", bg: blue}
	btnSched    = button{label: "ประกาศที่ตั้งเวลา", text: "ประกาศที่ตั้งเวลา", icon: "list", bg: teal}
	btnMenu     = button{label: "เมนูทั้งหมด", text: "เมนู", icon: "grid", bg: grey}
	btnConsole  = button{label: "เว็บเจ้าหน้าที่", text: "เข้าระบบ", icon: "doc", bg: purple}
)

// menus returns every menu definition, the default (newcomer) first.
func menus() []menu {
	newcomer := []button{btnS40, btnS40Apply, btnInterest, btnApply, btnContact, btnHelp}
	pending := []button{btnStatus, btnSchedule, btnS40, btnS40Apply, btnContact, btnHelp}
	leader := []button{btnRefer, btnReferred, btnSchedule, btnMine, btnS40, btnHelp}
	officer := []button{btnPending, btnAnnounce, btnSched, btnConsole, btnMenu, btnHelp}
	tabs := func(leaderKey, officerKey string) []tab {
		return []tab{{label: "เจ้าหน้าที่", target: officerKey}, {label: "แกนนำ", target: leaderKey}}
	}
	return []menu{
		{key: KeyNewcomer, chatBar: "เมนู", buttons: newcomer},
		{key: KeyPending, chatBar: "เมนูแกนนำ", buttons: pending},
		{key: KeyLeader, chatBar: "เมนูแกนนำ", buttons: leader},
		{key: KeyOfficer, chatBar: "เจ้าหน้าที่", buttons: officer},
		{key: KeyOfficerLeader, chatBar: "เจ้าหน้าที่", tabs: tabs(KeyLeaderOfficer, KeyOfficerLeader), active: 0, buttons: officer},
		{key: KeyLeaderOfficer, chatBar: "เมนูแกนนำ", tabs: tabs(KeyLeaderOfficer, KeyOfficerLeader), active: 1, buttons: leader},
		{key: KeyOfficerPending, chatBar: "เจ้าหน้าที่", tabs: tabs(KeyPendingOfficer, KeyOfficerPending), active: 0, buttons: officer},
		{key: KeyPendingOfficer, chatBar: "เมนูแกนนำ", tabs: tabs(KeyPendingOfficer, KeyOfficerPending), active: 1, buttons: pending},
	}
}

// aliasID is the rich menu alias that names the current menu of key, the target of tabs'
// richmenuswitch actions ([a-z0-9_-]{1,32}).
func aliasID(key string) string { return "ssonet-" + key }

// cell is a tappable rectangle of the image, in pixels.
type cell struct{ x, y, w, h int }

// layout returns the rectangle of every tab and every button of m: the tab bar across the top
// when m has tabs, and the buttons in three columns and two rows filling the rest, so every
// pixel belongs to a tap area.
func (m menu) layout() (tabs, buttons []cell) {
	top := 0
	if len(m.tabs) > 0 {
		top = tabBar
		for i := range m.tabs {
			x0, x1 := Width*i/len(m.tabs), Width*(i+1)/len(m.tabs)
			tabs = append(tabs, cell{x0, 0, x1 - x0, tabBar})
		}
	}
	const cols, rows = 3, 2
	for i := range m.buttons {
		c, r := i%cols, i/cols
		x0, x1 := Width*c/cols, Width*(c+1)/cols
		y0, y1 := top+(Height-top)*r/rows, top+(Height-top)*(r+1)/rows
		buttons = append(buttons, cell{x0, y0, x1 - x0, y1 - y0})
	}
	return tabs, buttons
}
