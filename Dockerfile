# Passerelle: multi-stage build. The build stage runs scripts/build.sh (the README's build steps);
# the runtime image holds only the binary and the site folder, runs as a non-root user, and keeps
# its data in a volume.
FROM rust:1.95-bookworm AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/build.sh

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /var/lib/passerelle passerelle \
 && mkdir -p /var/lib/passerelle \
 && chown passerelle:passerelle /var/lib/passerelle
COPY --from=build /src/target/release/passerelle /usr/local/bin/passerelle
COPY --from=build /src/target/site /opt/passerelle/site
ENV PASSERELLE__SERVER__SITE_DIR=/opt/passerelle/site \
    PASSERELLE__SERVER__DATA_DIR=/var/lib/passerelle \
    PASSERELLE__SERVER__HTTP_ADDR=0.0.0.0:3000 \
    PASSERELLE__DICOM__LISTEN=0.0.0.0:11112
USER passerelle
WORKDIR /var/lib/passerelle
VOLUME ["/var/lib/passerelle"]
EXPOSE 3000 11112
ENTRYPOINT ["passerelle"]
CMD ["serve"]
