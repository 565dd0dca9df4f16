package line

import (
	"context"

	"github.com/line/line-bot-sdk-go/v8/linebot/messaging_api"
)

// MessageQuota is the channel's message budget for the current month (row 38): pushes,
// multicasts and broadcasts count one per recipient; replies are free.
type MessageQuota struct {
	Limited bool  // false: the plan has no monthly limit (LINE's type "none")
	Limit   int64 // messages allowed this month when Limited
	Used    int64 // messages sent so far this month (LINE's totalUsage)
}

// Remaining is Limit minus Used, never below 0; -1 when the plan is not limited.
func (q MessageQuota) Remaining() int64 {
	if !q.Limited {
		return -1
	}
	return max(q.Limit-q.Used, 0)
}

// MessageQuota reads the month's limit (GET /v2/bot/message/quota) and what was used of it
// (GET /v2/bot/message/quota/consumption). LINE updates the usage with some delay.
func (c *Client) MessageQuota(ctx context.Context) (MessageQuota, error) {
	if err := c.wait(ctx, EndpointQuota); err != nil {
		return MessageQuota{}, err
	}
	res, quota, err := c.sdk(ctx).GetMessageQuotaWithHttpInfo()
	if err := c.outcome(ctx, EndpointQuota, false, res, err); err != nil {
		return MessageQuota{}, err
	}
	if err := c.wait(ctx, EndpointQuotaConsumption); err != nil {
		return MessageQuota{}, err
	}
	res, used, err := c.sdk(ctx).GetMessageQuotaConsumptionWithHttpInfo()
	if err := c.outcome(ctx, EndpointQuotaConsumption, false, res, err); err != nil {
		return MessageQuota{}, err
	}
	q := MessageQuota{}
	if quota != nil && quota.Type == messaging_api.QuotaType_LIMITED {
		q.Limited, q.Limit = true, quota.Value
	}
	if used != nil {
		q.Used = used.TotalUsage
	}
	return q, nil
}
