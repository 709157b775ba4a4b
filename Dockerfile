# syntax=docker/dockerfile:1
# kse serve --http in a container: MCP at /mcp, the operator API and the approval page, for a workspace mounted
# at /workspace. It listens on 0.0.0.0 only because remote access is switched on (Kse:Http:AllowRemote) and an
# agent token is configured; without KSE_AGENT_TOKEN_SHA256 it refuses to start.
#
#   docker build -t kse .
#   docker run --rm -p 8080:8080 -v "$PWD:/workspace" \
#     -e KSE_AGENT_TOKEN_SHA256="$(printf %s "$AGENT_TOKEN" | sha256sum | cut -c1-64)" \
#     -e KSE_Kse__Http__AllowedHosts="localhost;kse.internal" kse
#
# Any other command runs kse itself: docker run --rm -v "$PWD:/workspace" kse ops validate billing --root /workspace

FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY Directory.Build.props Directory.Packages.props global.json Kse.Mcp.sln appsettings.example.json README.md ./
COPY templates/ templates/
COPY prompts/ prompts/
COPY src/ src/
RUN dotnet publish src/Kse.Cli/Kse.Cli.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/aspnet:10.0
COPY --from=build /app /app
COPY --chmod=755 <<'SH' /app/kse-container.sh
#!/bin/sh
set -eu
if [ "$#" -gt 0 ]; then exec dotnet /app/kse.dll "$@"; fi
: "${KSE_AGENT_TOKEN_SHA256:?set KSE_AGENT_TOKEN_SHA256 to the SHA-256 (lower-case hex) of the agent's bearer token: the server listens on 0.0.0.0 for authenticated agents only}"
export KSE_Kse__Http__AllowRemote=true
export KSE_Kse__Agents__0__Name="${KSE_AGENT_NAME:-agent}"
export KSE_Kse__Agents__0__TokenSha256="$KSE_AGENT_TOKEN_SHA256"
exec dotnet /app/kse.dll serve --http --urls http://0.0.0.0:8080 --root /workspace
SH
WORKDIR /workspace
VOLUME /workspace
EXPOSE 8080
# The images' unprivileged user (APP_UID, 1654); the mounted workspace must be writable by it for .sce/state.
USER $APP_UID
ENTRYPOINT ["/app/kse-container.sh"]
