using System.Security.Cryptography;
using System.Text;
using Cualify.Appliance.Core.AdminNotices;
using Cualify.Appliance.Core.Contacts;
using Cualify.Appliance.Core.Errors;
using Cualify.Appliance.Core.Events;
using Cualify.Appliance.Core.Json;
using Cualify.Appliance.Core.Orgs;
using Cualify.Appliance.Core.Sequences.Writing;
using Cualify.Appliance.Core.Store;
using Microsoft.Extensions.Options;

namespace Cualify.Appliance.Core.Sequences;

/// <summary>
/// <c>sequences/start</c>: the idempotency check, the contact upsert (primary email, then phone; notes appended
/// with a <c>[via API …]</c> tag), the enrollment with its steps rendered in the contact's language, then either
/// the first step now (<c>auto_approve</c>: an email step is due at once and wakes the mail runner; a voice
/// step's call is queued in this same transaction and wakes the dialer) or the review gate with an email to the
/// admins.
/// <para>
/// Liquid never runs while the store's single writer is held, so one org's costly template cannot delay any
/// other org's writes. A first pass learns the contact as the upsert will leave it and is rolled back; the steps
/// are rendered outside the writer (bounded by <see cref="LiquidText"/>); a second pass commits everything with
/// the rendered text, provided the template and the contact still render from the same input (else it renders
/// again). A step whose text passes a bound is stored <c>failed</c> with the reason, and the sequence goes on.
/// </para>
/// <para>
/// Steps with a <c>writer</c> are written in the same outside-the-writer pass (<see cref="StepWriting"/>, all at once,
/// each within <c>Sequences:Writer:Timeout</c>), so the first step of an auto-approved start is written inline. A step
/// the writer did not write goes out with its fixed text, its <c>fallback_reason</c> recorded; with no fixed text it is
/// stored <c>failed</c>, and when that is the first step of an auto-approved start the enrollment waits in
/// <c>pending_review</c> instead, so a person decides.
/// </para>
/// </summary>
public sealed class SequenceStarter(
    ApplianceStore store,
    OrgStore orgs,
    ContactStore contacts,
    SequenceTemplateStore templates,
    EnrollmentStore enrollments,
    EventOutbox outbox,
    AdminNoticeStore notices,
    ReviewRequest reviewRequest,
    VoiceSteps voiceSteps,
    StepTexts stepTexts,
    TimeProvider time,
    IOptions<SendingWindowOptions> windowOptions)
{
    private const int MaxRenderPasses = 3;

    /// <summary>What the steps were rendered from, and the result; reused only while the input is the same.</summary>
    private sealed record Rendering(string Input, IReadOnlyList<StepText> Steps);

    /// <summary>Thrown inside the write to roll it back: the steps must be rendered (again) for this input.</summary>
    private sealed class RenderFirst(Org org, SequenceTemplate template, Contact contact, string input) : Exception("The steps must be rendered outside the writer")
    {
        public Org Org { get; } = org;

        public SequenceTemplate Template { get; } = template;

        public Contact Contact { get; } = contact;

        public string Input { get; } = input;
    }

    public async Task<SequenceStartResult> StartAsync(string orgId, SequenceStartInput input, CancellationToken cancellationToken = default)
    {
        var request = StartRequestRules.Validate(input);
        var fingerprint = Fingerprint(input);
        var receivedAt = time.GetUtcNow();
        var newContactId = Ids.New(receivedAt);
        Rendering? rendering = null;
        for (var pass = 1; ; pass++)
        {
            try
            {
                return await store.WriteAsync(
                    tx => StartInAsync(tx, orgId, input, request, new StartStamp(receivedAt, newContactId, fingerprint), rendering), cancellationToken);
            }
            catch (RenderFirst needed) when (pass <= MaxRenderPasses)
            {
                rendering = new Rendering(needed.Input, await stepTexts.RenderAsync(needed.Org, needed.Template, needed.Contact, cancellationToken));
            }
            catch (RenderFirst)
            {
                throw ApplianceException.Conflict("The contact or the template kept changing while the sequence started; send the request again");
            }
        }
    }

    /// <summary>When the request arrived (the notes' tag), the id a new contact gets, and the body's fingerprint.</summary>
    private sealed record StartStamp(DateTimeOffset ReceivedAt, string NewContactId, string Fingerprint);

    private async Task<SequenceStartResult> StartInAsync(
        StoreTransaction tx, string orgId, SequenceStartInput input, StartRequest request, StartStamp stamp, Rendering? rendering)
    {
        // The same idempotency_key answers with what it created first, whatever this body says (SPEC §2).
        if (request.IdempotencyKey is not null && await EarlierAsync(tx, orgId, request.IdempotencyKey) is { } earlier)
        {
            return new SequenceStartResult(earlier.Id, earlier.ContactId, earlier.TemplateId, earlier.Status, Created: false);
        }

        var template = await templates.GetAsync(tx, orgId, request.TemplateId) ?? throw ApplianceException.NotFound("Sequence template", "template_id");
        var org = await orgs.GetAsync(tx, orgId) ?? throw ApplianceException.NotFound("Org");
        var contact = await UpsertContactAsync(tx, orgId, request, stamp);
        var renderInput = RenderInput(org, template, contact);
        if (rendering is null || rendering.Input != renderInput)
        {
            throw new RenderFirst(org, template, contact, renderInput);
        }

        var activate = input.AutoApprove && !rendering.Steps[0].HoldsStart;

        var enrollment = await CreateEnrollmentAsync(tx, template, contact, request.IdempotencyKey, stamp.Fingerprint, rendering.Steps);
        // Created comes first in the outbox, before anything activation may emit (a completion when no step could be rendered).
        await outbox.AppendAsync(tx, enrollment.OrgId, SequenceEvents.EnrollmentCreated, new
        {
            enrollment_id = enrollment.Id,
            template_id = enrollment.TemplateId,
            contact_id = enrollment.ContactId,
            status = activate ? EnrollmentStatus.Active : enrollment.Status,
            language = enrollment.Language,
            auto_approve = input.AutoApprove,
        });
        if (activate)
        {
            enrollment = await enrollments.ActivateAsync(tx, enrollment, forceFirstStep: true);
        }
        else
        {
            var steps = await enrollments.StepsAsync(tx, enrollment.Id);
            var (subject, body) = reviewRequest.Compose(template, contact, enrollment, steps);
            await notices.QueueAsync(tx, orgId, subject, body, contact.Id);
        }

        if (activate)
        {
            // A refused first call may already end the enrollment (an opted-out number): report what it is now.
            await voiceSteps.PlaceFirstAsync(tx, enrollment);
            enrollment = await enrollments.GetAsync(tx, enrollment.Id);
        }

        return new SequenceStartResult(enrollment.Id, contact.Id, template.Id, enrollment.Status, Created: true);
    }

    private static Task<Enrollment?> EarlierAsync(StoreTransaction tx, string orgId, string key) =>
        tx.QuerySingleOrDefaultAsync<Enrollment>(
            $"SELECT {EnrollmentStore.Columns} FROM sequence_enrollments WHERE org_id = @orgId AND idempotency_key = @key", new { orgId, key });

    /// <summary>Everything the rendered text depends on: the template's steps and variants, the contact's fields, and whether the org's steps are written.</summary>
    private static string RenderInput(Org org, SequenceTemplate template, Contact contact) =>
        ApplianceJson.Serialize(new { template.Id, template.Steps, template.VariantsByLanguage, org.WriterEnabled, contact = LiquidText.Model(contact) });

    private async Task<Contact> UpsertContactAsync(StoreTransaction tx, string orgId, StartRequest request, StartStamp stamp)
    {
        Contact? existing = null;
        if (request.PrimaryEmail is not null)
        {
            existing = await contacts.FindByEmailAsync(tx, orgId, request.PrimaryEmail);
        }

        foreach (var number in request.Phones)
        {
            existing ??= await contacts.FindByPhoneAsync(tx, orgId, number);
        }

        var c = request.Contact;
        var tag = $"[via API {stamp.ReceivedAt.UtcDateTime:yyyy-MM-dd'T'HH:mm:ss'Z'}]";
        var taggedNotes = string.IsNullOrWhiteSpace(c.Notes) ? null : $"{tag} {c.Notes.Trim()}";
        if (existing is null)
        {
            return await contacts.InsertAsync(tx, orgId, new ContactInput(
                request.Phones.FirstOrDefault(), null, c.FirstName?.Trim(), c.LastName?.Trim(), request.PrimaryEmail,
                c.LanguagePref?.Trim(), taggedNotes, c.Metadata, c.ConsentCapture), stamp.NewContactId);
        }

        string? phone = null;
        foreach (var candidate in request.Phones)
        {
            var holder = await contacts.FindByPhoneAsync(tx, orgId, candidate);
            if (holder is null || holder.Id == existing.Id)
            {
                phone = candidate;
                break;
            }
        }

        var notes = taggedNotes is null ? null
            : string.IsNullOrWhiteSpace(existing.Notes) ? taggedNotes
            : $"{existing.Notes}\n\n{taggedNotes}";
        return await contacts.UpdateAsync(tx, existing, new ContactInput(
            phone, null, c.FirstName?.Trim(), c.LastName?.Trim(), request.PrimaryEmail, c.LanguagePref?.Trim(), notes, c.Metadata, c.ConsentCapture));
    }

    private async Task<Enrollment> CreateEnrollmentAsync(
        StoreTransaction tx, SequenceTemplate template, Contact contact, string? idempotencyKey, string fingerprint, IReadOnlyList<StepText> rendered)
    {
        var (steps, language) = template.StepsFor(contact.LanguagePref);
        var reachable = steps.Any(s => s.Channel == ContactChannel.Email ? contact.Email is not null : contact.PhoneE164 is not null);
        if (!reachable)
        {
            var needs = steps.All(s => s.Channel == ContactChannel.Email) ? "an email address" : steps.All(s => s.Channel == ContactChannel.Voice) ? "a phone number" : "an email address or a phone number";
            new FieldErrors().Add("contact", $"This template's steps need {needs}, and the contact has none").ThrowIfAny();
        }

        var zones = SendingWindow.ZonesFor(contact.PhoneE164, windowOptions.Value.DefaultZone);
        var enrollment = await tx.QuerySingleAsync<Enrollment>($"""
            INSERT INTO sequence_enrollments (id, org_id, template_id, contact_id, status, language, sending_window, time_zone, stop_on_reply,
                                              idempotency_key, request_fingerprint, created_at, updated_at)
            VALUES (@Id, @OrgId, @TemplateId, @ContactId, 'pending_review', @language, @SendingWindow, @TimeZone, @StopOnReply,
                    @idempotencyKey, @fingerprint, @Now, @Now)
            RETURNING {EnrollmentStore.Columns}
            """, new
        {
            Id = Ids.Prefixed("enr", tx.Now),
            template.OrgId,
            TemplateId = template.Id,
            ContactId = contact.Id,
            language,
            template.SendingWindow,
            TimeZone = string.Join(',', zones.Select(z => z.Id)),
            template.StopOnReply,
            idempotencyKey,
            fingerprint,
            tx.Now,
        });

        string? firstSubject = null;
        for (var position = 0; position < steps.Count; position++)
        {
            var step = steps[position];
            var text = rendered[position];
            var subject = text.Subject;
            if (step.Channel == ContactChannel.Email && text.Error is null)
            {
                if (firstSubject is null)
                {
                    firstSubject = subject;
                }
                else
                {
                    var own = string.IsNullOrWhiteSpace(subject) ? firstSubject : subject;
                    subject = own.StartsWith("Re:", StringComparison.OrdinalIgnoreCase) ? own : "Re: " + own;
                }
            }

            await tx.ExecuteAsync("""
                INSERT INTO sequence_steps (id, enrollment_id, position, channel, delay_minutes, subject, body, agent_id, status, token, last_error,
                                            written_model, written_prompt_sha256, fallback_reason, fallback_detail)
                VALUES (@Id, @EnrollmentId, @position, @Channel, @DelayMinutes, @subject, @body, @AgentId, @status, @token, @Error,
                        @WrittenModel, @PromptSha256, @FallbackReason, @FallbackDetail)
                """, new
            {
                Id = Ids.New(tx.Now),
                EnrollmentId = enrollment.Id,
                position,
                step.Channel,
                step.DelayMinutes,
                subject = string.IsNullOrEmpty(subject) ? null : subject,
                body = text.Body,
                status = text.Error is null ? StepStatus.Pending : StepStatus.Failed,
                text.Error,
                step.AgentId,
                token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
                WrittenModel = text.Writing?.Model,
                PromptSha256 = text.Writing?.PromptSha256,
                FallbackReason = text.Writing?.FallbackReason,
                FallbackDetail = text.Writing?.Detail,
            });
        }

        return enrollment;
    }

    /// <summary>The same request always gives the same fingerprint, whatever its JSON spacing or the order of its top-level fields.</summary>
    private static string Fingerprint(SequenceStartInput input) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ApplianceJson.Serialize(input with { IdempotencyKey = null }))));
}
