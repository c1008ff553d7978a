using Cualify.Appliance.Core.Calls;

namespace Cualify.Appliance.Core.Tests.Calls;

public sealed class CallStatusTests
{
    [Theory]
    [InlineData("queued", "dialing", true)]
    [InlineData("queued", "canceled", true)]
    [InlineData("queued", "failed", true)]
    [InlineData("dialing", "ringing", true)]
    [InlineData("dialing", "in_progress", true)]
    [InlineData("ringing", "in_progress", true)]
    [InlineData("ringing", "no_answer", true)]
    [InlineData("ringing", "busy", true)]
    [InlineData("in_progress", "completed", true)]
    [InlineData("ringing", "dialing", false)]
    [InlineData("in_progress", "ringing", false)]
    [InlineData("dialing", "queued", false)]
    [InlineData("ringing", "completed", false)]
    [InlineData("queued", "completed", false)]
    [InlineData("in_progress", "no_answer", false)]
    [InlineData("in_progress", "busy", false)]
    [InlineData("completed", "failed", false)]
    [InlineData("canceled", "queued", false)]
    [InlineData("failed", "failed", false)]
    public void A_call_only_moves_forward_and_ends_once(string from, string to, bool allowed) =>
        Assert.Equal(allowed, CallStatus.CanMove(from, to));

    [Fact]
    public void There_are_nine_statuses_five_of_them_final()
    {
        Assert.Equal(9, CallStatus.All.Count);
        Assert.Equal(["completed", "failed", "no_answer", "busy", "canceled"], CallStatus.Final);
        foreach (var final in CallStatus.Final)
        {
            Assert.DoesNotContain(CallStatus.All, to => CallStatus.CanMove(final, to));
        }
    }
}
