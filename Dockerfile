# Build: a static binary (pure Go, no cgo: the SQLite driver is modernc.org/sqlite).
FROM golang:1.26 AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/ssonet . \
 && mkdir -p /out/data

# Run: distroless static (CA certificates for api.line.me, zoneinfo, a nonroot user, no shell).
# The binary also embeds time/tzdata, so Asia/Bangkok loads either way.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/ssonet /ssonet
# The embedded store's directory, owned by the nonroot user (uid 65532) before it becomes a volume.
COPY --from=build --chown=65532:65532 /out/data /data
ENV PORT=8080 \
    DATA_DIR=/data \
    TZ_DISPLAY=Asia/Bangkok
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
ENTRYPOINT ["/ssonet"]
