# The fleetwarden server image used by docker-compose.yml.
FROM rust:1-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked -p fleetwarden-server --bin fleetwarden

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home /var/lib/fleetwarden --create-home fleetwarden
COPY --from=build /src/target/release/fleetwarden /usr/local/bin/fleetwarden
USER fleetwarden
WORKDIR /var/lib/fleetwarden
EXPOSE 8080
ENTRYPOINT ["fleetwarden"]
CMD ["serve"]
