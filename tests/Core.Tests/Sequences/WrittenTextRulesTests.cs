using Cualify.Appliance.Core.Sequences.Writing;

namespace Cualify.Appliance.Core.Tests.Sequences;

/// <summary>What the appliance accepts from a writer, and what it makes of the HTML and subjects a model sends.</summary>
public sealed class WrittenTextRulesTests
{
    [Fact]
    public void Html_is_reduced_to_plain_text_with_scripts_styles_and_tags_gone_and_entities_decoded()
    {
        var text = WrittenTextRules.Read(
            """{"subject": "Hola", "body": "<html><head><style>p{color:red}</style></head><body><p>Hola <b>María</b> &amp; equipo,</p><p>línea uno<br/>línea dos</p><ul><li>uno</li><li>dos</li></ul><script>steal()</script><img src=x onerror=alert(1)>&lt;script&gt;alert(2)&lt;/script&gt;</body></html>"}""",
            subjectRequired: true, out var problem);

        Assert.Null(problem);
        Assert.Equal("Hola María & equipo,\n\nlínea uno\nlínea dos\n\n- uno\n- dos\n\nalert(2)", text!.Body);
    }

    [Fact]
    public void The_subject_becomes_one_line_of_at_most_150_characters_without_splitting_a_character()
    {
        var emoji = "\U0001F600";
        var subject = new string('a', 149) + emoji + " tail";

        var cut = WrittenTextRules.OneLine(subject);

        Assert.Equal(new string('a', 149), cut);
        Assert.Equal("Uno dos tres", WrittenTextRules.OneLine("  Uno\r\ndos\t tres \n"));
    }

    [Theory]
    [InlineData("", "the answer was empty")]
    [InlineData("Sure, here it is: Hi!", "the answer was not the JSON object asked for")]
    [InlineData("""{"subject": "Hi"}""", "the answer lacked a string subject and body")]
    [InlineData("""{"subject": "Hi", "body": 42}""", "the answer lacked a string subject and body")]
    [InlineData("""{"subject": "Hi", "body": "<p> </p>"}""", "the body was empty")]
    [InlineData("""{"subject": "<b></b>", "body": "Hello"}""", "the subject was empty")]
    public void An_answer_without_usable_text_is_refused_with_the_reason(string content, string reason)
    {
        Assert.Null(WrittenTextRules.Read(content, subjectRequired: true, out var problem));
        Assert.Equal(reason, problem);
    }

    [Fact]
    public void A_follow_up_may_have_no_subject_and_a_fenced_answer_is_read()
    {
        var text = WrittenTextRules.Read("```json\n{\"subject\": \"\", \"body\": \"Following up.\"}\n```", subjectRequired: false, out var problem);

        Assert.Null(problem);
        Assert.Equal(("", "Following up."), (text!.Subject, text.Body));
    }
}
