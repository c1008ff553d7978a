using System.Net;
using Cualify.Appliance.OperatorConsole.Tests.Support;
using Cualify.Appliance.Core.ApiKeys;
using Cualify.Appliance.Core.Sequences;
using Cualify.Appliance.Testing;
using Microsoft.Playwright;

namespace Cualify.Appliance.OperatorConsole.Tests;

/// <summary>Sequences in Chromium: the review queue shows what will go out, and approving there releases the enrollment.</summary>
public sealed class SequencePageTests(ConsoleFixture fixture) : ConsoleTest(fixture)
{
    private ConsoleHarness Harness => Fixture.Harness;

    [Fact]
    public async Task An_enrollment_approved_from_the_review_queue_proceeds_and_a_write_key_cannot_approve()
    {
        var template = (string)(await (await Harness.Admin.PostJsonAsync("/api/v1/sequences/templates", new
        {
            name = "Console review",
            allowed_channels = new[] { "email" },
            steps = new[] { new { channel = "email", delay_minutes = 0, subject = "Hello {{ contact.first_name }}", body = "Thanks for your time, {{ contact.first_name }}." } },
        })).ExpectAsync(201))["data"]!["id"]!;
        var started = await (await Harness.Admin.PostJsonAsync("/api/v1/sequences/start", new
        {
            template_id = template,
            contact = new { first_name = "Meera", emails = new[] { "meera@example.com" } },
        })).ExpectAsync(201);
        var enrollmentId = (string)started["data"]!["enrollment_id"]!;

        var writer = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Write));
        await writer.GotoAsync("/console/sequences");
        var queued = writer.GetByRole(AriaRole.Table, new() { Name = "Review queue" }).Locator($"tr[data-enrollment='{enrollmentId}']");
        await Assertions.Expect(queued).ToContainTextAsync("Hello Meera");
        Assert.Equal(0, await queued.GetByRole(AriaRole.Button, new() { Name = "Approve" }).CountAsync());
        using (var http = await ConsoleHttp.LikeAsync(writer, Fixture.BaseAddress))
        {
            var token = ConsoleHttp.TokenIn(await http.GetStringAsync("/console/sequences"));
            var refused = await http.PostFormAsync($"/console/sequences/enrollments/{enrollmentId}/approve", [new("__RequestVerificationToken", token)]);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }

        var admin = await Fixture.Browser.SignedInAsync(Fixture.BaseAddress, await Harness.KeyAsync(Scope.Admin));
        await admin.GotoAsync("/console/sequences");
        await Screenshots.SaveAsync(admin, "sequences-review");
        await admin.GetByRole(AriaRole.Button, new() { Name = $"Approve enrollment {enrollmentId}" }).ClickAsync();
        await Assertions.Expect(admin.GetByRole(AriaRole.Status)).ToContainTextAsync("approved");
        await Assertions.Expect(admin.GetByRole(AriaRole.Table, new() { Name = "Review queue" }).Locator($"tr[data-enrollment='{enrollmentId}']")).ToHaveCountAsync(0);

        var view = await Harness.Appliance.Get<EnrollmentStore>().ViewAsync((await Harness.OrgAsync()).Id, enrollmentId);
        // A one-step sequence may already have sent its email and completed by now: either way it went on.
        Assert.Contains(view!.Status, new[] { EnrollmentStatus.Active, EnrollmentStatus.Completed });
        Assert.NotNull(view.ApprovedAt);
        Assert.Contains(view.Steps[0].Status, new[] { StepStatus.Scheduled, StepStatus.Sending, StepStatus.Sent });
        Assert.NotNull(view.Steps[0].ScheduledAt);
    }
}
