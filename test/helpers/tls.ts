/**
 * A self-signed certificate for 127.0.0.1 made by openssl in a temporary directory: a private CA
 * as far as git is concerned (its own bundle does not trust it).
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";

export interface Certificate {
  /** PEM file of the certificate, which is also its own CA. */
  certFile: string;
  key: string;
  cert: string;
}

export async function createCertificate(dir: string): Promise<Certificate> {
  const keyFile = path.join(dir, "server-key.pem");
  const certFile = path.join(dir, "server-cert.pem");
  await execa(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=comin test CA", "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", keyFile, "-out", certFile],
    { stdin: "ignore" },
  );
  return { certFile, key: await readFile(keyFile, "utf8"), cert: await readFile(certFile, "utf8") };
}
