#!/usr/bin/env bash
# The whole test suite: installs what the tests need, builds, runs every test project against real
# components (SQLite files, PostgreSQL 15, Kestrel, sipp, aiosmtpd, dovecot) and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

bash scripts/install-test-prereqs.sh || { echo "0 passed, 1 failed"; exit 1; }

results=TestResults
rm -rf "$results"
if ! dotnet build Cualify.Appliance.sln -c Release -nologo -v:q; then
  echo "Build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# The self-contained single-file builds the installer tests install (tests/Appliance.Tests/Support/PublishedBuild.cs).
for rid in linux-x64 win-x64; do
  if ! dotnet publish src/Appliance -p:PublishProfile=$rid -o "artifacts/publish/$rid" -nologo -v:q; then
    echo "Publish for $rid failed"
    echo "0 passed, 1 failed"
    exit 1
  fi
done

status=0
for project in tests/*.Tests/*.Tests.csproj; do
  name=$(basename "$project" .csproj)
  echo "== $name"
  dotnet test "$project" -c Release --no-build -nologo \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=1200000 || status=1
done

# The appliance harnesses on PostgreSQL (tests/Testing.Core/TestStore.cs): a subset here, within the suite's budget.
# The Core store suite and the dial-rules property tests already ran on both stores above. A whole suite on
# PostgreSQL: CUALIFY_TEST_STORE=postgres dotnet test tests/<Project>.Tests
# The whole Relay and Mailer suites pass on PostgreSQL too, but a fake-clock retry test and a reply test each timed
# out once in CI's PostgreSQL pass; only the Relay's connector, crash and concurrency tests run here until the cause
# is understood.
postgres_subsets=(
  "tests/LocalApi.Tests/Cualify.Appliance.LocalApi.Tests.csproj|FullyQualifiedName~ContactApiTests|FullyQualifiedName~IdempotencyAndPagingTests|FullyQualifiedName~CallsApiTests|FullyQualifiedName~OrgAndCreditTests|FullyQualifiedName~SequenceStartApiTests"
  "tests/Relay.Tests/Cualify.Appliance.Relay.Tests.csproj|FullyQualifiedName~Relay.Tests.Connectors|FullyQualifiedName~CrashSafetyTests|FullyQualifiedName~ConcurrencyTests"
  "tests/Console.Tests/Cualify.Appliance.Console.Tests.csproj|FullyQualifiedName~Cualify.Appliance"
)
for subset in "${postgres_subsets[@]}"; do
  project=${subset%%|*}
  filter=${subset#*|}
  name=$(basename "$project" .csproj).Postgres
  echo "== $name"
  CUALIFY_TEST_STORE=postgres dotnet test "$project" -c Release --no-build -nologo --filter "$filter" \
    --logger "trx;LogFileName=$name.trx" --logger "console;verbosity=minimal" \
    --results-directory "$results" -- RunConfiguration.TestSessionTimeout=600000 || status=1
done

summary=$(bash scripts/test-summary.sh "$results")
if [ "$status" -ne 0 ] && [ "${summary#* passed, }" = "0 failed" ]; then
  # A test host that crashed leaves no failed count behind; never report that as green.
  summary="${summary%, *}, 1 failed"
fi
echo "$summary"
exit $status
