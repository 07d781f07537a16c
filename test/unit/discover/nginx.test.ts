import { describe, expect, it } from 'vitest';
import {
  nginxEndpoints,
  parseListen,
  parseNginxConfig,
  splitNginxFiles,
} from '../../../src/discover/parse/nginx.js';

// As `nginx -T` prints it: every file after a `# configuration file` line, includes in place.
const T = `nginx: the configuration file /etc/nginx/nginx.conf syntax is ok
nginx: configuration file /etc/nginx/nginx.conf test is successful
# configuration file /etc/nginx/nginx.conf:
user www-data;
events { worker_connections 768; }
http {
    ssl_certificate /etc/ssl/default.crt;   # inherited by servers without their own
    ssl_certificate_key /etc/ssl/default.key;
    include /etc/nginx/conf.d/*.conf;
    include sites-enabled/*;
    server {
        listen 80;
        server_name plain.example.com;
    }
}
stream {
    server {
        listen 7147 ssl;
        ssl_certificate "/etc/ssl/bc soap.crt";
        proxy_pass 10.0.0.9:7147;
    }
}

# configuration file /etc/nginx/conf.d/old-style.conf:
server {
    listen 8443;
    ssl on;
    server_name legacy.example.com;
    ssl_certificate /etc/ssl/legacy.crt;
}

# configuration file /etc/nginx/sites-enabled/www:
server {
    listen 443 ssl http2;
    listen [::]:443 ssl;
    server_name www.example.com example.com;
    ssl_certificate /etc/ssl/www.rsa.crt;
    ssl_certificate /etc/ssl/www.ecdsa.crt;
    ssl_certificate_key /etc/ssl/www.rsa.key;
    ssl_certificate_key /etc/ssl/www.ecdsa.key;
    location / { return 200 "} ; {"; }
}
server {
    listen 10.0.0.5:443 ssl default_server;
    server_name _ *.wild.example.com ~^api\\d+;
}
server {
    listen unix:/run/nginx.sock ssl;
    listen 443 quic;
    listen 127.0.0.1:8080;
    server_name internal;
    ssl_certificate $ssl_server_name.crt;
}
`;

describe('nginx -T', () => {
  it('splits the output into files, main file first', () => {
    expect([...splitNginxFiles(T).keys()]).toEqual([
      '/etc/nginx/nginx.conf',
      '/etc/nginx/conf.d/old-style.conf',
      '/etc/nginx/sites-enabled/www',
    ]);
  });

  it('reads every server block, includes expanded, with listen, names and certificates', () => {
    const servers = parseNginxConfig(T);
    expect(servers).toEqual([
      {
        listens: [{ address: null, port: 8443, ssl: true }],
        names: ['legacy.example.com'],
        certFiles: ['/etc/ssl/legacy.crt'],
        keyFiles: ['/etc/ssl/default.key'],
      },
      {
        listens: [
          { address: null, port: 443, ssl: true },
          { address: null, port: 443, ssl: true },
        ],
        names: ['www.example.com', 'example.com'],
        certFiles: ['/etc/ssl/www.rsa.crt', '/etc/ssl/www.ecdsa.crt'],
        keyFiles: ['/etc/ssl/www.rsa.key', '/etc/ssl/www.ecdsa.key'],
      },
      {
        listens: [{ address: '10.0.0.5', port: 443, ssl: true }],
        names: ['_', '*.wild.example.com', '~^api\\d+'],
        certFiles: ['/etc/ssl/default.crt'],
        keyFiles: ['/etc/ssl/default.key'],
      },
      {
        listens: [{ address: '127.0.0.1', port: 8080, ssl: false }],
        names: ['internal'],
        certFiles: [],
        keyFiles: ['/etc/ssl/default.key'],
      },
      {
        listens: [{ address: null, port: 80, ssl: false }],
        names: ['plain.example.com'],
        certFiles: ['/etc/ssl/default.crt'],
        keyFiles: ['/etc/ssl/default.key'],
      },
      {
        listens: [{ address: null, port: 7147, ssl: true }],
        names: [],
        certFiles: ['/etc/ssl/bc soap.crt'],
        keyFiles: [],
      },
    ]);
  });

  it('turns TLS listens into configured endpoints, one per certificate file, plain names only', () => {
    const eps = nginxEndpoints(parseNginxConfig(T));
    expect(
      eps.map(
        (e) =>
          `${e.address ?? '*'}:${e.port} ${e.names.join(',')} ${e.certFile ?? '-'} ${e.keyFile ?? '-'}`,
      ),
    ).toEqual([
      '*:8443 legacy.example.com /etc/ssl/legacy.crt /etc/ssl/default.key',
      '*:443 www.example.com,example.com /etc/ssl/www.rsa.crt /etc/ssl/www.rsa.key',
      '*:443 www.example.com,example.com /etc/ssl/www.ecdsa.crt /etc/ssl/www.ecdsa.key',
      '10.0.0.5:443  /etc/ssl/default.crt /etc/ssl/default.key',
      '*:7147  /etc/ssl/bc soap.crt -',
    ]);
  });

  it('understands every listen form', () => {
    expect(parseListen(['443', 'ssl', 'http2'], false)).toEqual({
      address: null,
      port: 443,
      ssl: true,
    });
    expect(parseListen(['[::]:443', 'ssl'], false)).toEqual({
      address: null,
      port: 443,
      ssl: true,
    });
    expect(parseListen(['[2001:db8::1]:8443', 'ssl'], false)).toEqual({
      address: '2001:db8::1',
      port: 8443,
      ssl: true,
    });
    expect(parseListen(['*:443'], true)).toEqual({ address: null, port: 443, ssl: true });
    expect(parseListen(['10.0.0.1'], false)).toEqual({ address: '10.0.0.1', port: 80, ssl: false });
    expect(parseListen(['localhost:7148', 'ssl'], false)).toEqual({
      address: 'localhost',
      port: 7148,
      ssl: true,
    });
    expect(parseListen(['unix:/run/x.sock', 'ssl'], false)).toBeUndefined();
  });

  it('bounds include recursion: a file that includes itself is read a bounded number of times', () => {
    const loop =
      '# configuration file /etc/nginx/nginx.conf:\nhttp { include /etc/nginx/nginx.conf; server { listen 443 ssl; ssl_certificate /a.crt; } }\n';
    const servers = parseNginxConfig(loop);
    expect(servers.length).toBeGreaterThan(0);
    expect(servers.length).toBeLessThan(40);
  });
});
