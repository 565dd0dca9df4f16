package line

import (
	"time"

	"golang.org/x/time/rate"
)

// Endpoint names, used as the "endpoint" label of ssonet_line_api_calls_total, as the keys of
// Config.RateLimits, in APIError.Endpoint, and by linetest.Server.FailNext.
const (
	EndpointReply     = "reply"     // POST /v2/bot/message/reply
	EndpointPush      = "push"      // POST /v2/bot/message/push
	EndpointMulticast = "multicast" // POST /v2/bot/message/multicast
	EndpointBroadcast = "broadcast" // POST /v2/bot/message/broadcast
	EndpointProfile   = "profile"   // GET /v2/bot/profile/{userId}
	EndpointLoading   = "loading"   // POST /v2/bot/chat/loading/start
	EndpointQuota     = "quota"     // GET /v2/bot/message/quota
	// EndpointQuotaConsumption is GET /v2/bot/message/quota/consumption.
	EndpointQuotaConsumption = "quota.consumption"

	EndpointRichMenuCreate = "richmenu.create" // POST /v2/bot/richmenu
	EndpointRichMenuDelete = "richmenu.delete" // DELETE /v2/bot/richmenu/{id}, DELETE /v2/bot/richmenu/alias/{id}
	EndpointRichMenuList   = "richmenu.list"   // GET /v2/bot/richmenu/list
	EndpointRichMenuImage  = "richmenu.image"  // POST and GET /v2/bot/richmenu/{id}/content on the data API
	EndpointRichMenuLink   = "richmenu.link"   // link/unlink one user, set the default
	EndpointRichMenuBulk   = "richmenu.bulk"   // POST /v2/bot/richmenu/bulk/link and /unlink
	EndpointRichMenuAlias  = "richmenu.alias"  // alias create, update and list
)

// MaxMulticastRecipients is the most user IDs one multicast call accepts (row 14).
const MaxMulticastRecipients = 500

// RateLimit is a client-side token bucket for one endpoint: one request every Every on
// average, at most Burst at once. A zero Every means no limit. Limits are per process; LINE
// counts per channel (row 28), so replicas sharing a channel share LINE's budget.
type RateLimit struct {
	Every time.Duration // average interval between requests; 0 = unlimited
	Burst int           // requests allowed at once after a quiet spell; < 1 counts as 1
}

// DefaultRateLimits returns the budgets of line-platform.md §2, kept slightly under LINE's
// figures so that a full bucket plus one second of refill never exceeds them:
//   - reply, push, profile: 2,000/s at LINE → 1,900/s, burst 100;
//   - multicast: budget 200/s (LINE's 2025-04-23 change) → 190/s, burst 10;
//   - broadcast: 60 per hour at LINE → one every 61 s, burst 1 (≤ 60 in any hour);
//   - loading animation: 100/s at LINE → 95/s, burst 5;
//   - rich menu create, and rich menu and alias delete: 100 per hour each at LINE → one every
//     40 s after a burst of 9 (≤ 9 + 3600/40 = 99 in any hour);
//   - rich menu list: announced to drop, figure unverified (§2) → one per second, burst 2;
//   - other rich menu calls: the 2,000/s default → 1,900/s, burst 100.
//
// Each call returns a fresh map the caller may change.
func DefaultRateLimits() map[string]RateLimit {
	return map[string]RateLimit{
		EndpointReply:     {Every: perSecond(1900), Burst: 100},
		EndpointPush:      {Every: perSecond(1900), Burst: 100},
		EndpointProfile:   {Every: perSecond(1900), Burst: 100},
		EndpointMulticast: {Every: perSecond(190), Burst: 10},
		EndpointBroadcast: {Every: 61 * time.Second, Burst: 1},
		EndpointLoading:   {Every: perSecond(95), Burst: 5},

		EndpointRichMenuCreate: {Every: 40 * time.Second, Burst: 9},
		EndpointRichMenuDelete: {Every: 40 * time.Second, Burst: 9},
		EndpointRichMenuList:   {Every: time.Second, Burst: 2},
		EndpointRichMenuImage:  {Every: perSecond(1900), Burst: 100},
		EndpointRichMenuLink:   {Every: perSecond(1900), Burst: 100},
		EndpointRichMenuBulk:   {Every: perSecond(1900), Burst: 100},
		EndpointRichMenuAlias:  {Every: perSecond(1900), Burst: 100},
	}
}

// perSecond is the interval for n requests per second, rounded up so that the rate never
// exceeds n.
func perSecond(n int) time.Duration {
	return (time.Second + time.Duration(n) - 1) / time.Duration(n)
}

func newLimiters(limits map[string]RateLimit) map[string]*rate.Limiter {
	if limits == nil {
		limits = DefaultRateLimits()
	}
	out := make(map[string]*rate.Limiter, len(limits))
	for ep, l := range limits {
		if l.Every <= 0 {
			continue
		}
		burst := l.Burst
		if burst < 1 {
			burst = 1
		}
		out[ep] = rate.NewLimiter(rate.Every(l.Every), burst)
	}
	return out
}
