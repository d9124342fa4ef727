import type { Role } from '@lecture/protocol';
import type { ConnectionStatus, LectureClient } from '@lecture/terminal';
import { useEffect, useState } from 'react';

export function useConnection(client: LectureClient | undefined): { status: ConnectionStatus; role: Role | undefined } {
  const [value, setValue] = useState<{ status: ConnectionStatus; role: Role | undefined }>({
    status: client ? client.status : 'closed',
    role: client?.role,
  });
  useEffect(() => {
    const subscription = client?.onStatus((status, role) => setValue({ status, role }));
    return () => subscription?.dispose();
  }, [client]);
  return value;
}
